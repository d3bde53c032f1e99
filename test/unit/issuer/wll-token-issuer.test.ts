import { CredentialsError, IssuerError, RateLimitedError } from '../../../lambda/core/errors';
import { WllTokenIssuer, type IssuerObserver } from '../../../lambda/issuer/wll-token-issuer';
import { DEFAULT_RETRY_POLICY } from '../../../lambda/issuer/retry-policy';

const URL = 'https://auth.example.test/oauth/token';
const CREDENTIALS = { clientId: 'client-1', clientSecret: 'very-secret-value' };
const OK_BODY = JSON.stringify({ access_token: 'header.payload.sig', token_type: 'Bearer', expires_in: 86_400 });

type Answer = Response | Error | 'hang';

/** A fetch that answers from a script and records what it was sent. */
function scriptedFetch(answers: Answer[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = jest.fn((url: string, init?: RequestInit) => {
    calls.push({ url, init: init ?? {} });
    const answer = answers.shift() ?? new Response(OK_BODY, { status: 200 });
    if (answer === 'hang') {
      return new Promise<Response>((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'TimeoutError'))),
      );
    }
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

function issuerWith(answers: Answer[], policy = {}) {
  const { fetch, calls } = scriptedFetch(answers);
  let clock = 1_800_000_000_000;
  const sleeps: number[] = [];
  const attempts: Parameters<IssuerObserver>[0][] = [];
  const issuer = new WllTokenIssuer({
    tokenUrl: URL,
    fetch,
    now: () => clock,
    sleep: (ms) => {
      sleeps.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    random: () => 0.5,
    observe: (attempt) => attempts.push(attempt),
    policy: { ...DEFAULT_RETRY_POLICY, ...policy },
  });
  return { issuer, calls, sleeps, attempts };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const issue = (issuer: WllTokenIssuer, deadlineMs = 1_800_000_000_000 + 60_000) => issuer.issue({ credentials: CREDENTIALS, audience: 'wlloyalty.net', deadlineMs });

test('sends the client-credentials grant as JSON and returns the validated token', async () => {
  const { issuer, calls, attempts } = issuerWith([json(200, OK_BODY, { 'content-type': 'application/json; charset=utf-8' })]);

  const token = await issue(issuer);

  expect(token).toEqual({ accessToken: 'header.payload.sig', tokenType: 'Bearer', issuedAt: 1_800_000_000, expiresAt: 1_800_086_400 });
  expect(calls).toHaveLength(1);
  expect(calls[0]?.url).toBe(URL);
  expect(calls[0]?.init).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json' } });
  expect(JSON.parse(calls[0]?.init.body as string)).toEqual({
    client_id: 'client-1',
    client_secret: 'very-secret-value',
    audience: 'wlloyalty.net',
    grant_type: 'client_credentials',
  });
  expect(attempts).toEqual([{ outcome: 'Success', latencyMs: 0, headers: expect.any(Headers) }]);
});

test('5xx and network errors are retried with exponential backoff and jitter', async () => {
  const { issuer, calls, sleeps, attempts } = issuerWith([json(503, ''), new TypeError('fetch failed')]);

  await expect(issue(issuer)).resolves.toMatchObject({ accessToken: 'header.payload.sig' });

  expect(calls).toHaveLength(3);
  expect(sleeps).toEqual([100, 200]);
  expect(attempts.map((a) => a.outcome)).toEqual(['ServerError', 'Network', 'Success']);
});

test('after three failed attempts: an IssuerError with the last answer', async () => {
  const down = () => json(500, { error: 'server_error', error_description: 'Internal error' });
  const { issuer, calls } = issuerWith([down(), down(), down()]);

  const error = await issue(issuer).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(IssuerError);
  expect((error as IssuerError).message).toMatch(/auth.example.test failed after 3 attempts .*HTTP 500 server_error: Internal error/);
  expect((error as IssuerError).details).toEqual({ httpStatus: 500, oauthError: 'server_error', oauthErrorDescription: 'Internal error', issuerFault: true });
  expect(calls).toHaveLength(3);
});

test('a network failure names the system error code only', async () => {
  const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  const { issuer } = issuerWith([refused, refused, refused]);

  await expect(issue(issuer)).rejects.toThrow(/network error \(ECONNREFUSED\)/);
});

test('each attempt is bounded by its own timeout', async () => {
  const { issuer, attempts } = issuerWith(['hang', 'hang', 'hang'], { attemptTimeoutMs: 20 });

  await expect(issue(issuer)).rejects.toThrow(/no answer within 20 ms/);
  expect(attempts.map((a) => a.outcome)).toEqual(['Timeout', 'Timeout', 'Timeout']);
});

test('one attempt that ran its whole timeout makes the failure the issuer\'s, whatever the last attempt met', async () => {
  const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  const { issuer } = issuerWith(['hang', refused], { attemptTimeoutMs: 300, maxAttempts: 2 });

  const error = await issue(issuer).catch((e: unknown) => e);

  expect((error as IssuerError).message).toMatch(/2 attempts .*last: network error/);
  expect((error as IssuerError).details.issuerFault).toBe(true);
});

test('a timeout cut short by the caller deadline alone is not the issuer\'s fault', async () => {
  // The test clock moves only on back-off sleeps: every attempt has the same 400 ms left.
  const { issuer } = issuerWith(['hang', 'hang', 'hang']);

  const error = await issue(issuer, 1_800_000_000_000 + 400).catch((e: unknown) => e);

  expect((error as IssuerError).message).toMatch(/attempts .*no answer within \d+ ms/);
  expect((error as IssuerError).details.issuerFault).toBe(false);
});

test('a timeout that fired long after it was due (the process stood still) is not blamed on the issuer', async () => {
  let clock = 1_800_000_000_000;
  const { fetch } = scriptedFetch(['hang']);
  const issuer = new WllTokenIssuer({
    tokenUrl: URL,
    // The process was frozen for 20 s while the attempt waited: its clock jumped.
    fetch: ((url: string, init?: RequestInit) => {
      const answer = fetch(url, init);
      init?.signal?.addEventListener('abort', () => (clock += 20_000));
      return answer;
    }) as typeof globalThis.fetch,
    now: () => clock,
    policy: { ...DEFAULT_RETRY_POLICY, attemptTimeoutMs: 300, maxAttempts: 1 },
  });

  const error = await issue(issuer).catch((e: unknown) => e);

  expect((error as IssuerError).message).toMatch(/no answer within 300 ms/);
  expect((error as IssuerError).details.issuerFault).toBe(false);
});

test('no attempt starts after the caller deadline', async () => {
  const { issuer, calls } = issuerWith([json(503, ''), json(503, ''), json(503, '')]);

  const error = await issuer.issue({ credentials: CREDENTIALS, audience: 'a', deadlineMs: 1_800_000_000_000 + 300 }).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(IssuerError);
  expect(calls).toHaveLength(1);
});

test('a damaged body is retried; a well-formed invalid answer is not', async () => {
  const damaged = issuerWith([json(200, '<html>'), json(200, '')]);
  await expect(issue(damaged.issuer)).resolves.toBeDefined();
  expect(damaged.calls).toHaveLength(3);

  const wrong = issuerWith([json(200, { access_token: 'x', token_type: 'MAC' })]);
  await expect(issue(wrong.issuer)).rejects.toThrow(/unusable token response: token_type/);
  expect(wrong.calls).toHaveLength(1);
});

test('a 200 body larger than 64 KiB is refused', async () => {
  const { issuer } = issuerWith([json(200, { access_token: 'x'.repeat(70_000), token_type: 'Bearer' })]);

  await expect(issue(issuer)).rejects.toThrow(/larger than 65536 bytes/);
});

test('a short Retry-After is waited out', async () => {
  const { issuer, sleeps, calls } = issuerWith([json(429, { error: 'too_many_requests' }, { 'Retry-After': '2' })]);

  await expect(issue(issuer)).resolves.toBeDefined();
  expect(sleeps).toEqual([2_000]);
  expect(calls).toHaveLength(2);
});

test('X-RateLimit-Reset is used when there is no Retry-After', async () => {
  const reset = String(1_800_000_000 + 3);
  const { issuer, sleeps } = issuerWith([json(429, '', { 'X-RateLimit-Reset': reset })]);

  await issue(issuer);

  expect(sleeps).toEqual([3_000]);
});

test('a long Retry-After is reported to the caller at once', async () => {
  const { issuer, calls } = issuerWith([json(429, { error: 'too_many_requests' }, { 'Retry-After': '60' })]);

  const error = await issue(issuer).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(RateLimitedError);
  expect(error).toMatchObject({ retryAfterSeconds: 60, message: expect.stringMatching(/retry after 60 seconds/) });
  expect(calls).toHaveLength(1);
});

test('repeated 429s without a hint end in a RateLimitedError with a default wait', async () => {
  const tooMany = () => json(429, '');
  const { issuer, calls } = issuerWith([tooMany(), tooMany(), tooMany()]);

  await expect(issue(issuer)).rejects.toMatchObject({ name: 'RateLimitedError', retryAfterSeconds: 30 });
  expect(calls).toHaveLength(3);
});

test.each([
  [401, { error: 'access_denied', error_description: 'Unauthorized' }, /rejected the client credentials \(HTTP 401 access_denied: Unauthorized\)/],
  [403, { error: 'access_denied', error_description: 'Client is not authorized to access "wlloyalty.net".' }, /refused the client for audience 'wlloyalty.net'/],
  [403, { error: 'unauthorized_client', error_description: 'Grant type not allowed' }, /client-credentials grant is not enabled/],
])('%i is a CredentialsError, never retried', async (status, body, message) => {
  const { issuer, calls } = issuerWith([json(status, body)]);

  const error = await issue(issuer).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(CredentialsError);
  expect(error).toMatchObject({ reason: 'rejected', code: 'credentials_rejected', status: 502, message: expect.stringMatching(message) });
  expect(calls).toHaveLength(1);
});

test('400 is an IssuerError, never retried', async () => {
  const { issuer, calls } = issuerWith([json(400, { error: 'invalid_request', error_description: 'bad audience' })]);

  await expect(issue(issuer)).rejects.toThrow(/refused the request \(HTTP 400 invalid_request: bad audience\)/);
  expect(calls).toHaveLength(1);
});

test('the client secret never appears in an error, even when the issuer echoes it', async () => {
  const echo = json(401, { error: 'access_denied', error_description: `wrong secret ${CREDENTIALS.clientSecret}` });
  const { issuer } = issuerWith([echo]);

  const error = (await issue(issuer).catch((e: unknown) => e)) as Error;

  expect(error.message).not.toContain(CREDENTIALS.clientSecret);
  expect(JSON.stringify((error.cause as IssuerError).details)).not.toContain(CREDENTIALS.clientSecret);
});
