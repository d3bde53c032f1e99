import {
  errorFromCallFailure,
  errorFromFunctionPayload,
  errorFromHttpAnswer,
  networkErrorCode,
  retryAfterFromHeader,
  retryAfterFromMessage,
} from '../../../client/error-mapping';
import {
  BadRequestError,
  ConfigurationError,
  CredentialsError,
  IssuerError,
  RateLimitedError,
  ServiceAccessError,
  UnexpectedError,
} from '../../../client/errors';

const URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/token';

describe('a function error payload ({errorType, errorMessage, trace})', () => {
  const payload = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`] });

  test.each([
    ['ConfigurationError', ConfigurationError, 'configuration'],
    ['BadRequestError', BadRequestError, 'bad_request'],
    ['CredentialsError', CredentialsError, 'credentials'],
    ['IssuerError', IssuerError, 'issuer'],
  ])('%s keeps its name, kind and message', (errorType, type, kind) => {
    const error = errorFromFunctionPayload(payload(errorType, 'What went wrong. What to do.'), 'vendor');

    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ name: errorType, kind, message: 'What went wrong. What to do.' });
  });

  test('RateLimitedError carries retryAfterSeconds from its message', () => {
    const error = errorFromFunctionPayload(
      payload('RateLimitedError', 'The WLL token endpoint is rate limiting this client (HTTP 429): retry after 42 seconds. Tokens are cached...'),
      'vendor',
    );

    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterSeconds).toBe(42);
  });

  test('a RateLimitedError without a wait gets the default 30 seconds', () => {
    expect(errorFromFunctionPayload(payload('RateLimitedError', 'slow down'), 'vendor')).toMatchObject({ retryAfterSeconds: 30 });
  });

  test("the service's InternalError and runtime failures are unexpected", () => {
    const internal = errorFromFunctionPayload(payload('InternalError', 'An unexpected error occurred (request id r-1).'), 'vendor');
    const timeout = errorFromFunctionPayload(payload('Sandbox.Timedout', 'Task timed out after 20.00 seconds'), 'vendor');

    expect(internal).toBeInstanceOf(UnexpectedError);
    expect(internal.message).toContain('request id r-1');
    expect(timeout).toBeInstanceOf(UnexpectedError);
    expect(timeout.message).toBe('Function vendor failed with Sandbox.Timedout: Task timed out after 20.00 seconds');
  });

  test('a payload that is not the runtime error shape is unexpected, and not echoed', () => {
    const error = errorFromFunctionPayload('not json with a secret-ish thing', 'vendor');

    expect(error).toBeInstanceOf(UnexpectedError);
    expect(error.message).not.toContain('secret-ish');
  });
});

describe('an HTTP error answer', () => {
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    errorFromHttpAnswer(status, new Headers(headers), typeof body === 'string' ? body : JSON.stringify(body), URL);

  test.each([
    [500, 'configuration_error', ConfigurationError],
    [400, 'bad_request', BadRequestError],
    [500, 'credentials_unavailable', CredentialsError],
    [502, 'credentials_rejected', CredentialsError],
    [502, 'issuer_error', IssuerError],
    [500, 'internal_error', UnexpectedError],
  ])('%i %s', (status, code, type) => {
    const error = answer(status, { error: code, message: 'Said by the service.' });

    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ status, code, message: 'Said by the service.' });
  });

  test('credentials errors say which', () => {
    expect(answer(502, { error: 'credentials_rejected', message: 'x' })).toMatchObject({ reason: 'rejected' });
    expect(answer(500, { error: 'credentials_unavailable', message: 'x' })).toMatchObject({ reason: 'unavailable' });
  });

  test('503 rate_limited takes Retry-After, else the message', () => {
    const fromHeader = answer(503, { error: 'rate_limited', message: 'retry after 10 seconds.' }, { 'Retry-After': '17' });
    const fromMessage = answer(503, { error: 'rate_limited', message: 'Rate limited: retry after 10 seconds.' });

    expect(fromHeader).toBeInstanceOf(RateLimitedError);
    expect(fromHeader).toMatchObject({ retryAfterSeconds: 17, status: 503 });
    expect(fromMessage).toMatchObject({ retryAfterSeconds: 10 });
  });

  test("API Gateway's own refusals are service access errors naming the fix", () => {
    const denied = answer(403, { Message: 'User: arn:aws:sts::1:assumed-role/x is not authorized to perform: execute-api:Invoke' });
    const unsigned = answer(403, { message: 'Missing Authentication Token' });

    expect(denied).toBeInstanceOf(ServiceAccessError);
    expect(denied.message).toMatch(/HTTP 403: User: .* is not authorized.*execute-api:Invoke.*allowedPrincipalArns/);
    expect(unsigned.message).toContain('Missing Authentication Token');
  });

  test('a wrong path, throttling and a gateway timeout', () => {
    expect(answer(404, { error: 'not_found', message: 'Nothing is served at /tokens' })).toMatchObject({ kind: 'service_access', retryable: false });
    expect(answer(429, { message: 'Too Many Requests' }, { 'Retry-After': '3' })).toMatchObject({
      kind: 'service_access',
      retryable: true,
      message: expect.stringContaining('retry after 3 seconds'),
    });
    expect(answer(504, { message: 'Endpoint request timed out' })).toMatchObject({ kind: 'service_access', retryable: true });
  });

  test('anything else is unexpected, and a body that is not JSON is not echoed', () => {
    const error = answer(502, '<html>Bad gateway, token=abc</html>');

    expect(error).toBeInstanceOf(UnexpectedError);
    expect(error.message).toBe(`The token service at ${URL} answered HTTP 502: try again, and check its logs if it persists.`);
  });
});

describe('a call that failed before an answer', () => {
  const fail = (error: unknown) => errorFromCallFailure(error, 'function vendor', 'grant lambda:InvokeFunction');
  const awsError = (name: string, message: string, httpStatusCode?: number) =>
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

  test.each([
    ['no AWS credentials', awsError('CredentialsProviderError', 'Could not load credentials from any providers'), /No AWS credentials found/, false],
    ['no region', new Error('Region is missing'), /No AWS region to call function vendor in: pass it \(--region for wll-token, the region option for the clients\), or set AWS_REGION or a region in the AWS config file/, false],
    ['function not found', awsError('ResourceNotFoundException', 'Function not found: arn:aws:lambda:eu-west-1:1:function:vendor', 404), /was not found .*check the name and the region/, false],
    ['access denied', awsError('AccessDeniedException', 'User is not authorized to perform lambda:InvokeFunction', 403), /refused .*grant lambda:InvokeFunction/, false],
    ['throttled', awsError('TooManyRequestsException', 'Rate Exceeded.', 429), /throttling/, true],
    ['the function being updated', awsError('ResourceConflictException', 'The operation cannot be performed at this time.', 409), /try again/, true],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), /Could not reach function vendor \(ECONNREFUSED\)/, true],
    ['fetch failed', Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }), /\(ENOTFOUND\)/, true],
    [
      'fetch failed on every address of the host',
      new TypeError('fetch failed', { cause: new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:3000'), { code: 'ECONNREFUSED' })]) }),
      /^Could not reach function vendor \(ECONNREFUSED\): check the network and the address\.$/,
      true,
    ],
    [
      'a certificate that does not match',
      new TypeError('fetch failed', { cause: Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }) }),
      /^Could not reach function vendor securely \(ERR_TLS_CERT_ALTNAME_INVALID\): check the address, and the certificate of a custom domain\.$/,
      false,
    ],
    ['fetch failed without a code', new TypeError('fetch failed', { cause: new Error('other side closed') }), /\(network error\)/, true],
    ['timeout', Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), /did not answer in time/, true],
  ])('%s', (_what, error, message, retryable) => {
    const mapped = fail(error);

    expect(mapped).toBeInstanceOf(ServiceAccessError);
    expect(mapped.message).toMatch(message);
    expect(mapped.retryable).toBe(retryable);
    // A copy of what is safe to keep (name, message, code, AWS metadata), with the same network code.
    expect(mapped.cause).toBeInstanceOf(Error);
    expect((mapped.cause as Error).name).toBe((error).name);
    expect(networkErrorCode(mapped.cause)).toBe(networkErrorCode(error));
  });
});

test('Retry-After parsing: seconds, an HTTP date, or nothing usable', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');

  expect(retryAfterFromHeader('120', now)).toBe(120);
  expect(retryAfterFromHeader('Sun, 29 Nov 2026 12:01:30 GMT', now)).toBe(90);
  expect(retryAfterFromHeader('soon', now)).toBeUndefined();
  expect(retryAfterFromHeader(null, now)).toBeUndefined();
  expect(retryAfterFromMessage('... retry after 1 second.')).toBe(1);
  expect(retryAfterFromMessage('no number here')).toBeUndefined();
});
