import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Checks an AWS Signature Version 4 `Authorization` header the way AWS does, written
 * from the specification (not with the signing library the clients use), from the
 * request exactly as it arrived: a client that signs one thing and sends another
 * fails here as it would against AWS.
 */

/** Known test credentials. */
export interface TestCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface ReceivedRequest {
  readonly method: string;
  /** The request target as sent: path and query, still encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface VerifyOptions {
  readonly service: string;
  readonly region: string;
  readonly credentials: readonly TestCredentials[];
  readonly nowMs?: number;
}

/** `ok`, or the AWS error type and message a real endpoint would answer with. */
export type Verdict =
  | { readonly ok: true; readonly accessKeyId: string }
  | { readonly ok: false; readonly errorType: string; readonly message: string };

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 5 * 60 * 1000;

export function verifySigV4(request: ReceivedRequest, options: VerifyOptions): Verdict {
  const fail = (errorType: string, message: string): Verdict => ({ ok: false, errorType, message });
  const header = single(request.headers.authorization);
  if (header === undefined) return fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const match = AUTHORIZATION.exec(header);
  if (!match) return fail('IncompleteSignatureException', 'Authorization header requires Credential, SignedHeaders and Signature.');
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] = match as unknown as string[];
  const credentials = options.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!credentials) return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (region !== options.region) return fail('InvalidSignatureException', `Credential should be scoped to a valid region, not '${region}'.`);
  if (service !== options.service) return fail('InvalidSignatureException', `Credential should be scoped to correct service: '${options.service}'.`);

  const amzDate = single(request.headers['x-amz-date']) ?? '';
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== scopeDate) {
    return fail('IncompleteSignatureException', 'X-Amz-Date is missing or does not match the credential scope date.');
  }
  const signedAt = Date.parse(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (Math.abs((options.nowMs ?? Date.now()) - signedAt) > MAX_SKEW_MS) return fail('InvalidSignatureException', 'Signature expired.');

  const signedHeaders = (signedHeaderList as string).split(';');
  if (!signedHeaders.includes('host') || [...signedHeaders].sort().join(';') !== signedHeaderList) {
    return fail('InvalidSignatureException', 'SignedHeaders must be sorted and include host.');
  }
  if (credentials.sessionToken !== undefined && single(request.headers['x-amz-security-token']) !== credentials.sessionToken) {
    return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  const payloadHash = sha256Hex(request.body);
  const declaredHash = single(request.headers['x-amz-content-sha256']);
  if (declaredHash !== undefined && declaredHash !== payloadHash && declaredHash !== 'UNSIGNED-PAYLOAD') {
    return fail('InvalidSignatureException', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }

  const [rawPath = '/', rawQuery = ''] = request.url.split('?', 2);
  const canonicalHeaders: string[] = [];
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return fail('InvalidSignatureException', `Signed header ${name} is missing from the request.`);
    canonicalHeaders.push(`${name}:${(Array.isArray(value) ? value.join(',') : value).trim().replace(/\s+/g, ' ')}\n`);
  }
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(rawPath),
    canonicalQuery(rawQuery),
    canonicalHeaders.join(''),
    signedHeaderList,
    declaredHash ?? payloadHash,
  ].join('\n');
  const scope = `${scopeDate}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, scopeDate);
  for (const part of [region, service, 'aws4_request'] as string[]) key = hmac(key, part);
  const expected = hmac(key, stringToSign);
  const given = Buffer.from(signature as string, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return fail(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
  return { ok: true, accessKeyId: accessKeyId as string };
}

/** Every path segment encoded twice from its decoded form (all services but S3). */
function canonicalUri(rawPath: string): string {
  const path = rawPath === '' ? '/' : rawPath;
  return path
    .split('/')
    .map((segment) => rfc3986(rfc3986(decodeURIComponent(segment))))
    .join('/');
}

/** Parameters decoded, re-encoded once, sorted by name then value. */
function canonicalQuery(rawQuery: string): string {
  return rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const at = pair.indexOf('=');
      const name = at < 0 ? pair : pair.slice(0, at);
      const value = at < 0 ? '' : pair.slice(at + 1);
      return [rfc3986(decodeURIComponent(name)), rfc3986(decodeURIComponent(value))] as const;
    })
    .sort(([n1, v1], [n2, v2]) => (n1 < n2 ? -1 : n1 > n2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A request as a test's recording `fetch` saw it (fetch adds the Host header itself). */
export interface SentRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
}

/** Checks a recorded API request's signature as API Gateway would: execute-api, an empty body. */
export function verifySentRequest(request: SentRequest, region: string, credentials: TestCredentials): Verdict {
  return verifySigV4(
    {
      method: request.method,
      url: `${request.url.pathname}${request.url.search}`,
      headers: Object.fromEntries([...Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]), ['host', request.url.host]]),
      body: '',
    },
    { service: 'execute-api', region, credentials: [credentials] },
  );
}
