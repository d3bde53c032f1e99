import { startLocalApi, type LocalApi } from '../../scripts/local/api-server';
import { createHttpTokenClient } from '../../client/http-client';
import { createWllFetch } from '../../client/wll-fetch';
import { startHarness, type Harness } from '../support/harness';
import { WllAdminApiStandIn } from '../support/wll-admin-api-stand-in';

/**
 * A WLL admin API that refuses every token (a revoked API key, a token for another tenant), in
 * front of the real handler with DynamoDB Local and the WLL token endpoint stand-in: replacing
 * the refused token cannot help, and must not cost one issuer mint per request (CONTRACT
 * section 4: a forced refresh cannot be used to hammer the issuer). The clients stop replacing
 * once a replacement is refused too; the service itself replaces exactly the token it is told is
 * refused (compare-and-refresh), and counts every forced mint.
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
