import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

/** Runs `invoke` as the invocation `requestId`. */
export type InvocationScope = <T>(requestId: string, invoke: () => Promise<T>) => Promise<T>;

/**
 * Runs invocations the way Lambda does when one environment serves several at once
 * (Lambda Managed Instances): each inside its own InvokeStore context, where
 * Powertools keeps the request's log context. Without it, concurrent local requests
 * would log each other's request ids. Call before anything uses the AWS SDK or loads
 * the handler: the first to ask for the store fixes its kind for the whole process.
 */
export async function concurrentInvocationScope(maxConcurrency = 100): Promise<InvocationScope> {
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= String(maxConcurrency);
  const store = await InvokeStore.getInstanceAsync(true);
  return (requestId, invoke) => store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, invoke);
}
