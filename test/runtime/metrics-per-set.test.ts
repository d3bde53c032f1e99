import { CREDENTIAL_SET_DIMENSION, MetricName } from '../../lambda/telemetry/metric-names';
import { newClient } from '../support/harness';
import type { LambdaContainer } from '../support/runtime/lambda-container';
import { failures, startStand, type RuntimeStand } from '../support/runtime/stand';

/**
 * Issue 22 ("also suspects"): per-set metric dimensions (CONTRACT section 8) are recorded on one
 * Powertools `Metrics` per container, which only stays right if Powertools keeps each invocation's
 * dimensions and metrics apart when invocations run at once (Lambda Managed Instances). Here one
 * Managed Instances environment on the real runtime client runs invocations of two sets at once,
 * and every embedded-format document it printed is checked: one invocation's answer, one set.
 */
let stand: RuntimeStand;

afterEach(async () => {
  await stand.close();
});

const SERVED = [MetricName.servedFromMemory, MetricName.servedFromCache, MetricName.servedFromIssuer];

interface EmfDocument {
  readonly dimensionSets: readonly (readonly string[])[];
  readonly set?: string;
  /** Answers this document counts (the ServedFrom* metrics). */
  readonly served: number;
  readonly minted: number;
}

/** Every EMF document a container printed, with its dimension sets, its set and the answers it counts. */
function emfDocuments(container: LambdaContainer): EmfDocument[] {
  const sum = (value: unknown) => (Array.isArray(value) ? value : [value]).reduce((total: number, v) => total + (typeof v === 'number' ? v : 0), 0);
  return container.output().flatMap(({ text }) => {
    if (!text.includes('"CloudWatchMetrics"')) return [];
    const entry = JSON.parse(text) as { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } } & Record<string, unknown>;
    const set = entry[CREDENTIAL_SET_DIMENSION];
    return [
      {
        dimensionSets: entry._aws.CloudWatchMetrics.flatMap((group) => group.Dimensions),
        set: typeof set === 'string' ? set : undefined,
        served: SERVED.reduce((total, name) => total + sum(entry[name]), 0),
        minted: sum(entry[MetricName.tokensMinted]),
      },
    ];
  });
}

test('concurrent invocations of two sets in one Managed Instances environment: each EMF document is one invocation of one set', async () => {
  // A slow issuer keeps the first invocations of both sets in flight together.
  stand = await startStand({ wllDelayMs: 400 });
  const us = newClient(['staging.wlloyalty.net']);
  stand.wll.setClients([stand.client, us]);
  stand.secrets.putSecretString('wll/us-prod', JSON.stringify({ client_id: us.clientId, client_secret: us.clientSecret }));
  const CREDENTIAL_SETS = JSON.stringify({
    'eu-prod': { secretId: stand.secretName, tokenUrl: stand.wll.url },
    'us-prod': { secretId: 'wll/us-prod', tokenUrl: stand.wll.url, audience: 'staging.wlloyalty.net', allowedAudiences: ['staging.wlloyalty.net'] },
  });
  const container = await stand.container({ maxConcurrency: 16, environment: { CREDENTIAL_SETS } });
  const wave = () => Promise.all(Array.from({ length: 16 }, (_, i) => container.invoke({}, i % 2 === 0 ? 'eu-prod' : 'us-prod')));

  // The first wave mints (one token per set, joined flights); the second is served from memory.
  const results = [...(await wave()), ...(await wave())];

  expect(failures(results)).toEqual([]);
  const documents = emfDocuments(container);
  const perSet = (set: string) => {
    const mine = documents.filter((document) => document.set === set);
    return { documents: mine.length, answers: mine.reduce((n, d) => n + d.served, 0), minted: mine.reduce((n, d) => n + d.minted, 0) };
  };
  expect({
    // Each document: the service alone, and the service with its one set (nothing of another invocation).
    shapes: [...new Set(documents.map((document) => JSON.stringify(document.dimensionSets)))],
    answersPerDocument: [...new Set(documents.map((document) => document.served))],
    euProd: perSet('eu-prod'),
    usProd: perSet('us-prod'),
  }).toEqual({
    shapes: [JSON.stringify([['service'], ['service', CREDENTIAL_SET_DIMENSION]])],
    answersPerDocument: [1],
    euProd: { documents: 16, answers: 16, minted: 1 },
    usProd: { documents: 16, answers: 16, minted: 1 },
  });
});
