import type { CredentialSet } from '../../../lambda/config/credential-sets';
import { CredentialsError, IssuerError } from '../../../lambda/core/errors';
import { CredentialsNotSetUpError } from '../../../lambda/credentials/secret-format';
import { refreshAllSets, refreshDueTokens, scheduledAnswer, type ScheduledRefreshRun } from '../../../lambda/entry/scheduled-refresh';
import type { TokenService } from '../../../lambda/protocol/token-service';

// How the scheduled refresh reports each set (issue 22 item 4, issue 24 item 3) and what its
// answer may say (issue 22 item 2), with a scripted token service.

type Step = 'refreshed' | 'current' | 'unused' | Error | { failAtDeadline: true };

/** A token service whose refreshIfDue answers, per audience, as scripted. */
function service(steps: Record<string, Step>): TokenService {
  return {
    refreshIfDue: async (audience: string, _keepWarm: boolean, deadline: number) => {
      const step = steps[audience]!;
      if (step instanceof Error) throw step;
      if (typeof step === 'object') {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())));
        throw new IssuerError('The WLL token endpoint did not answer in the time this invocation had.');
      }
      return step;
    },
    mintCount: () => Promise.resolve({ today: 3, thisMonth: 40 }),
  } as unknown as TokenService;
}

function set(name: string, audiences = ['wlloyalty.net']): CredentialSet {
  return { name, credentialsSecretId: `wll/${name}`, wllRegion: 'eu', tokenUrl: 'https://auth.wlloyalty.net/oauth/token', defaultAudience: audiences[0]!, allowedAudiences: audiences };
}

const later = () => Date.now() + 10_000;

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("one set's run", () => {
  test('done: every audience refreshed, current or unused, with the month count', async () => {
    const run = await refreshDueTokens(service({ a: 'refreshed', b: 'current', c: 'unused' }), set('x', ['a', 'b', 'c']), later(), 'req-1');

    expect(run).toEqual({ result: { outcome: 'done', refreshed: ['a'], current: ['b'], unused: ['c'], failed: [], minted: { today: 3, thisMonth: 40 } } });
  });

  test("not set up: the secret holds the stack's placeholder; no error, and what to do", async () => {
    const run = await refreshDueTokens(service({ a: new CredentialsNotSetUpError('wll/x'), b: new CredentialsNotSetUpError('wll/x') }), set('x', ['a', 'b']), later(), 'req-1');

    expect(run.firstError).toBeUndefined();
    expect(run.result).toMatchObject({ outcome: 'not-set-up', failed: [], action: expect.stringMatching(/^WLL client credentials not set yet in secret wll\/x: put them with aws secretsmanager put-secret-value/) });
  });

  test('failed: an error well before the deadline, such as credentials WLL refuses', async () => {
    const refused = new CredentialsError('rejected', 'The WLL token endpoint rejected the client credentials.');

    const run = await refreshDueTokens(service({ a: refused }), set('x', ['a']), later(), 'req-1');

    expect(run).toMatchObject({ firstError: refused, result: { outcome: 'failed', failed: [{ audience: 'a', error: 'CredentialsError' }] } });
  });

  test('out of time: the failure came when the set had used up its share', async () => {
    const run = await refreshDueTokens(service({ a: { failAtDeadline: true } }), set('x', ['a']), Date.now() + 50, 'req-1');

    expect(run.result).toMatchObject({ outcome: 'out-of-time', failed: [{ audience: 'a', error: 'IssuerError' }] });
  });
});

describe('every set', () => {
  test('runs side by side: a set that hangs until its deadline does not delay the others', async () => {
    const services = new Map([
      [set('us-prod'), service({ 'wlloyalty.net': { failAtDeadline: true } })],
      [set('eu-prod'), service({ 'wlloyalty.net': 'refreshed' })],
    ]);
    const finished: string[] = [];

    const runs = await refreshAllSets(services, Date.now() + 300, 'req-1', async (s, run) => {
      const done = await run();
      finished.push(s.name);
      return done;
    });

    expect(runs.map(([s, run]) => [s.name, run.result.outcome])).toEqual([
      ['us-prod', 'out-of-time'],
      ['eu-prod', 'done'],
    ]);
    // eu-prod, second in line, was done before us-prod gave up: it did not wait for it.
    expect(finished).toEqual(['eu-prod', 'us-prod']);
  });
});

describe("the schedule's answer", () => {
  const done: ScheduledRefreshRun = { result: { outcome: 'done', refreshed: ['wlloyalty.net'], current: [], unused: [], failed: [], minted: { today: 1, thisMonth: 9 } } };
  const notSetUp: ScheduledRefreshRun = { result: { outcome: 'not-set-up', refreshed: [], current: [], unused: [], failed: [], action: 'put them' } };
  const failedRun = (outcome: 'failed' | 'out-of-time'): ScheduledRefreshRun => {
    const error = new CredentialsError('unavailable', 'Could not read secret arn:aws:secretsmanager:eu-west-1:111111111111:secret:wll/us-prod-AbCdEf.');
    return { firstError: error, result: { outcome, refreshed: [], current: [], unused: [], failed: [{ audience: 'staging.wlloyalty.net', error: error.name, message: error.message }] } };
  };

  test('with named sets: counts by outcome, and nothing that names or describes a set', () => {
    const answer = scheduledAnswer([[set('eu-prod'), done], [set('default'), notSetUp]], true, 'req-1');

    expect(answer).toEqual({ credentialSets: { done: 1, notSetUp: 1, outOfTime: 0, failed: 0 } });
  });

  test('with named sets, a failed run throws an error naming no set, audience or secret, only how many and where to look', () => {
    const runs = [[set('eu-prod'), done], [set('us-prod'), failedRun('failed')], [set('us-staging'), failedRun('out-of-time')]] as const;

    expect(thrown(() => scheduledAnswer(runs, true, 'req-7'))).toMatchObject({
      name: 'ScheduledRefreshError',
      message:
        'The scheduled refresh failed for 2 credential sets (1 out of time): each set\'s outcome is logged as "Scheduled refresh done" ' +
        'with its credentialSet, under request id req-7.',
    });
  });

  test('without named sets: the default set\'s own result, or its own error, as before', () => {
    expect(scheduledAnswer([[set('default'), done]], false, 'req-1')).toBe(done.result);
    expect(scheduledAnswer([[set('default'), notSetUp]], false, 'req-1')).toBe(notSetUp.result);
    const failing = failedRun('failed');
    expect(() => scheduledAnswer([[set('default'), failing]], false, 'req-1')).toThrow(failing.firstError);
  });
});
