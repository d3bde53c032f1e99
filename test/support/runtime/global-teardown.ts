import { teardownRuntimeTier } from './global-setup';

export default function teardown(): Promise<void> {
  return teardownRuntimeTier();
}
