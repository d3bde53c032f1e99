import { startLocalApi, type LocalApi } from '../../scripts/local/api-server';
import { createHttpTokenClient } from '../../client/http-client';
import { tokenSha256 } from '../../client/fingerprint';
import { createWllFetch } from '../../client/wll-fetch';
import { startHarness, type Harness } from '../support/harness';
import { WllAdminApiStandIn } from '../support/wll-admin-api-stand-in';

/**
 * A WLL admin API that refuses every token (a revoked API key, a token for another tenant), in
 * front of the real handler with DynamoDB Local and the WLL token endpoint stand-in: replacing
 * the refused token cannot help, and must not cost one issuer mint per request (CONTRACT
 * section 4: a forced refresh cannot be used to hammer the issuer). The clients stop replacing
 * once a replacement is refused too; the service mints at most one forced replacement per key a
 * minute in a container, so a caller without that pause is bounded as well.
 */
const REQUESTS = 30;
let h: Harness;
let api: LocalApi;
let wll: WllAdminApiStandIn;

beforeEach(async () => {
  h = await startHarness();
  api = await startLocalApi(h.loadHandler(), 0);
  wll = await WllAdminApiStandIn.start({ isCurrent: () => false });
});

afterEach(async () => {
  await Promise.all([api.close(), wll.close()]);
  await h.close();
});

test(`${REQUESTS} requests through createWllFetch, every token refused: one replacement, then WLL's 401 as it is`, async () => {
  const warnings: string[] = [];
  const fetch = createWllFetch({ tokens: createHttpTokenClient({ url: api.url }), baseUrl: wll.url, onWarning: (message) => warnings.push(message) });

  const statuses: number[] = [];
  for (let i = 0; i < REQUESTS; i += 1) statuses.push((await fetch(`members/${i}`)).status);

  expect(statuses).toEqual(Array(REQUESTS).fill(401));
  // The first token, and one replacement.
  expect(h.wll.requests).toBe(2);
  expect(warnings).toHaveLength(1);
});

test(`${REQUESTS} compare-and-refresh calls in a row, each naming the token just got: the service mints once`, async () => {
  const tokens = createHttpTokenClient({ url: api.url });
  let held = await tokens.getToken();

  for (let i = 0; i < REQUESTS; i += 1) {
    const response = await fetch(`${api.url}token/refresh?replacesTokenSha256=${tokenSha256(held)}`, { method: 'POST' });
    expect(response.status).toBe(200);
    held = (await response.json()) as typeof held;
  }

  // The first token, and one forced replacement: the next ones named a token minted by force
  // less than a minute before, which the service returns instead of minting again.
  expect(h.wll.requests).toBe(2);
});
