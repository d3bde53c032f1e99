import type { Observed } from '../../../bench/environment';
import type { Exchange } from '../../../bench/observing-proxy';
import type { InvocationRecord } from '../../../bench/protocol';
import { perLifetime, wastedTokens } from '../../../bench/report';
import { sha256, TableObserver } from '../../../bench/table-observer';

function record(tokenSha256?: string): InvocationRecord {
  return { ok: tokenSha256 !== undefined, source: tokenSha256 ? 'memory' : 'error', latencyMs: 1, startedAt: 0, endedAt: 1, tokenSha256 };
}

function observed(minted: string[], stored: string[] = []): Observed {
  return {
    issuerRequests: [],
    minted: minted.map((tokenSha256) => ({ tokenSha256, issuedAtMs: 0, expiresAtMs: 40_000 })),
    stored: new Set(stored),
    backoffs: [],
  };
}

describe('bench accounting: wasted tokens', () => {
  it('counts a minted token as wasted only when no caller got it and it never reached the table', () => {
    const wasted = wastedTokens({
      records: [record('served'), record()],
      setupRecords: [record('seed')],
      observed: observed(['served', 'seed', 'stored-only', 'thrown-away'], ['stored-only']),
    });

    expect(wasted).toEqual(['thrown-away']);
  });
});

describe('bench accounting: issuer requests per token lifetime', () => {
  it('divides the requests by the lifetimes that fit in the window', () => {
    expect(perLifetime({ issuerRequests: 5, window: { startMs: 0, endMs: 100_000 }, lifetimeSeconds: 40 })).toBe('2.00');
  });

  it('says nothing when no token expires in the window', () => {
    expect(perLifetime({ issuerRequests: 1, window: { startMs: 0, endMs: 5_000 } })).toBe('-');
  });
});

describe('bench accounting: what the function wrote to DynamoDB', () => {
  const exchange = (target: string, body: unknown, status = 200): Exchange => ({
    arrivedAt: 42,
    headers: { 'x-amz-target': `DynamoDB_20120810.${target}` },
    body: JSON.stringify(body),
    status,
  });
  const observer = () => new TableObserver((sealed, pk) => (sealed === `sealed(${pk})` ? 'the-token' : undefined));

  it('records tokens stored sealed or in clear, by fingerprint, only when DynamoDB accepted the write', () => {
    const table = observer();

    table.observe(exchange('PutItem', { Item: { pk: { S: 'token#k' }, sealedToken: { S: 'sealed(token#k)' } } }));
    table.observe(exchange('PutItem', { Item: { pk: { S: 'token#k' }, accessToken: { S: 'clear-token' } } }));
    table.observe(exchange('PutItem', { Item: { pk: { S: 'token#k' }, accessToken: { S: 'refused' } } }, 400));
    table.observe(exchange('PutItem', { Item: { pk: { S: 'count#x' }, accessToken: { S: 'not-a-token-item' } } }));

    expect(table.stored).toEqual([
      { at: 42, tokenSha256: sha256('the-token') },
      { at: 42, tokenSha256: sha256('clear-token') },
    ]);
  });

  it('records a back-off written on a lease item, whatever the placeholders are called', () => {
    const table = observer();

    table.observe(
      exchange('UpdateItem', {
        UpdateExpression: 'SET leaseUntil = :free, notBefore = :nb, backoffReason = :why, #ttl = :ttl',
        ExpressionAttributeValues: { ':free': { N: '0' }, ':nb': { N: '1000' }, ':why': { S: 'issuer_error' }, ':ttl': { N: '9' } },
      }),
    );
    table.observe(exchange('UpdateItem', { UpdateExpression: 'SET leaseId = :id, leaseUntil = :until', ExpressionAttributeValues: { ':id': { S: 'x' } } }));
    table.observe(exchange('UpdateItem', { UpdateExpression: 'SET notBefore = :nb', ExpressionAttributeValues: { ':nb': { N: '5' } } }, 400));

    expect(table.backoffs).toEqual([{ at: 42, notBeforeMs: 1000, reason: 'issuer_error' }]);
  });
});
