import type { IssuedToken } from '../../lambda/core/token';
import { ProtocolWorld, type Container } from '../support/protocol-containers';

/**
 * Issue 22, item 5 (CONTRACT section 7: while a servable token exists, no caller waits more
 * than 3 s on a refresh, whatever the issuer does). A caller that arrives in the last seconds
 * of its token's servability takes the inline early refresh; if that refresh may run its whole
 * 2.4 s budget, the token falls to the margin meanwhile and the caller, who arrived with a
 * servable token, is sent to the issuer with its whole deadline. The clock is placed to the
 * millisecond against the token's expiry; the containers run the real adapters on DynamoDB Local.
 */
let world: ProtocolWorld;

beforeEach(async () => {
  world = await ProtocolWorld.create();
});

afterEach(() => world.close());

const MARGIN_SECONDS = 2;

/** A call's outcome: the token's name, how long the call took, and the whole seconds its token had left when it answered. */
async function answerOf(container: Container, token: (t: IssuedToken) => string) {
  const started = Date.now();
  try {
    const served = await container.protocol.serve(world.key(), world.deadline(), world.now());
    const secondsLeft = Math.floor((served.token.expiresAt * 1000 - world.now()) / 1000);
    return { token: token(served.token), secondsLeft, tookMs: Date.now() - started };
  } catch (error) {
    return { error: (error as Error).name, tookMs: Date.now() - started };
  }
}

/** Matches a number that passes `test`, and shows `description` in a failure's diff. */
function numberThat(description: string, test: (actual: number) => boolean) {
  return {
    $$typeof: Symbol.for('jest.asymmetricMatcher'),
    asymmetricMatch: (actual: unknown) => typeof actual === 'number' && test(actual),
    toAsymmetricMatcher: () => description,
  };
}

describe('an early refresh never waits past the moment the held token stops being servable', () => {
  // How long the token has left above the margin when the three containers call (the last second of it is not servable).
  test.each([3_500, 2_800, 2_000, 1_500])('40 s tokens, margin 2 s, the issuer hanging: three containers called %i ms above the margin each leave within 3 s with the current token', async (aboveMarginMs) => {
    world.issuer.enqueue({ lifetimeSeconds: 40 });
    const containers = [0, 1, 2].map(() => world.container({ marginSeconds: MARGIN_SECONDS }));
    const first = await containers[0]!.protocol.serve(world.key(), world.deadline(), world.now());
    for (const other of containers.slice(1)) await other.protocol.serve(world.key(), world.deadline(), world.now());
    // From inside the refresh window on, every issuer request hangs until its deadline.
    world.issuer.enqueue(...Array.from({ length: 5 }, () => ({ delayMs: 60_000 })));
    // Due for an early refresh (the window is the last 9 s), and servable for a second less than aboveMarginMs.
    world.advance(first.token.expiresAt * 1000 - world.now() - (MARGIN_SECONDS * 1000 + aboveMarginMs));

    const name = (token: IssuedToken) => (token.accessToken === first.token.accessToken ? 'current' : 'newer');
    const answers = await Promise.all(containers.map((container) => answerOf(container, name)));

    const leftWithIt = { token: 'current', secondsLeft: numberThat(`> ${MARGIN_SECONDS}`, (s) => s > MARGIN_SECONDS), tookMs: numberThat('< 3000', (ms) => ms < 3_000) };
    expect({ answers, issuerRequestsInTheWindow: world.issuer.requests.length - 1 }).toEqual({
      answers: [leftWithIt, leftWithIt, leftWithIt],
      // One container's early refresh, or none when too little time is left for one.
      issuerRequestsInTheWindow: numberThat('<= 1', (n) => n <= 1),
    });
  });
});
