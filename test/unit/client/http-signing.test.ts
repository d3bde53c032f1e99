import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHttpTokenClient } from '../../../client/http-client';
import { verifySentRequest, type SentRequest } from '../../support/sigv4-verifier';

/**
 * When and how the HTTP client signs: never for a loopback URL without explicit credentials
 * (`npm start` has no IAM, and the default chain could wait seconds on instance metadata), and
 * for a custom domain in the region the AWS SDK would pick (AWS_REGION, else the profile's
 * region in the AWS config file).
 */
const CREDENTIALS = { accessKeyId: 'AKIDSIGNINGTEST', secretAccessKey: 'signing-test-secret-key' };
const RESULT = { accessToken: 'tok-abc', tokenType: 'Bearer', expiresAt: '2026-11-30T12:00:00.000Z', expiresIn: 86_100, audience: 'wlloyalty.net', source: 'issuer' };

const chain = jest.fn(() => Promise.resolve(CREDENTIALS));
jest.mock('@aws-sdk/credential-provider-node', () => ({ defaultProvider: jest.fn(() => chain) }));

type Sent = SentRequest;

function recordingFetch() {
  const sent: Sent[] = [];
  const fetch = (input: URL | RequestInfo, init?: RequestInit) => {
    sent.push({ url: new URL(input instanceof Request ? input.url : input), method: init?.method ?? 'GET', headers: { ...(init?.headers as Record<string, string>) } });
    return Promise.resolve(Response.json(RESULT));
  };
  return { fetch, sent };
}

function signedFor(request: Sent, region: string) {
  return verifySentRequest(request, region, CREDENTIALS).ok;
}

const VARIABLES = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_CONFIG_FILE', 'AWS_PROFILE'] as const;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
let scratch: string;

beforeEach(() => {
  for (const name of VARIABLES) delete process.env[name];
  scratch = mkdtempSync(path.join(tmpdir(), 'wll-signing-'));
  process.env.AWS_CONFIG_FILE = path.join(scratch, 'none');
  chain.mockClear();
});

afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe('a loopback URL (npm start)', () => {
  test.each(['http://127.0.0.1:3000/', 'http://localhost:3000/', 'http://[::1]:3000/'])('%s is called unsigned, without looking for credentials', async (url) => {
    const { fetch, sent } = recordingFetch();
    const tokens = createHttpTokenClient({ url, fetch });

    await tokens.getToken();
    await tokens.refreshToken();

    expect(chain).not.toHaveBeenCalled();
    expect(sent).toHaveLength(2);
    for (const request of sent) expect(Object.keys(request.headers)).toEqual([]);
  });

  test('is signed when credentials are given explicitly', async () => {
    const { fetch, sent } = recordingFetch();

    await createHttpTokenClient({ url: 'http://127.0.0.1:3000/', credentials: CREDENTIALS, region: 'eu-west-1', fetch }).getToken();

    expect(signedFor(sent[0]!, 'eu-west-1')).toBe(true);
  });
});

describe('an API Gateway or custom domain URL', () => {
  test('is signed with the default credential chain when none are given', async () => {
    const { fetch, sent } = recordingFetch();

    await createHttpTokenClient({ url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/', fetch }).getToken();

    expect(chain).toHaveBeenCalled();
    expect(signedFor(sent[0]!, 'eu-west-1')).toBe(true);
  });

  test('a custom domain signs for AWS_REGION', async () => {
    process.env.AWS_REGION = 'ap-southeast-2';
    const { fetch, sent } = recordingFetch();

    await createHttpTokenClient({ url: 'https://tokens.example.com/', fetch }).getToken();

    expect(signedFor(sent[0]!, 'ap-southeast-2')).toBe(true);
  });

  test("a custom domain signs for the profile's region in the AWS config file (AWS_PROFILE honoured)", async () => {
    const config = path.join(scratch, 'config');
    writeFileSync(config, '[default]\nregion = eu-central-1\n\n[profile reporting]\nregion = us-west-2\n');
    process.env.AWS_CONFIG_FILE = config;
    const { fetch, sent } = recordingFetch();

    await createHttpTokenClient({ url: 'https://tokens.example.com/', fetch }).getToken();
    process.env.AWS_PROFILE = 'reporting';
    await createHttpTokenClient({ url: 'https://tokens.example.com/', fetch }).getToken();

    expect(signedFor(sent[0]!, 'eu-central-1')).toBe(true);
    expect(signedFor(sent[1]!, 'us-west-2')).toBe(true);
  });

  test('the host name region wins over AWS_REGION', async () => {
    process.env.AWS_REGION = 'us-east-1';
    const { fetch, sent } = recordingFetch();

    await createHttpTokenClient({ url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/', credentials: CREDENTIALS, fetch }).getToken();

    expect(signedFor(sent[0]!, 'eu-west-1')).toBe(true);
  });

  test('without any region, the call fails before sending anything, saying how to give one', async () => {
    const { fetch, sent } = recordingFetch();
    const tokens = createHttpTokenClient({ url: 'https://tokens.example.com/', credentials: CREDENTIALS, fetch });

    await expect(tokens.getToken()).rejects.toMatchObject({
      name: 'ServiceAccessError',
      message: expect.stringMatching(/^No AWS region to call the token API at https:\/\/tokens\.example\.com\/token in: pass it \(--region for wll-token/),
    });
    expect(sent).toEqual([]);
  });
});
