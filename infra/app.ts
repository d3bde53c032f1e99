#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { applyNagChecks } from './checks';
import { ContextError, readTokenVendorContext } from './context';
import { TokenVendorSettingsError } from './settings';
import { TokenVendorStack } from './token-vendor-stack';

// Environment-agnostic on purpose: `cdk synth` needs no credentials and no look-ups, and
// `cdk deploy` targets whatever account and region the caller's credentials select.
const app = new App();
try {
  new TokenVendorStack(app, 'WllTokenVendor', readTokenVendorContext(app.node));
} catch (error) {
  // A bad setting is the operator's to fix: say which, without a stack trace to dig through.
  if (error instanceof ContextError || error instanceof TokenVendorSettingsError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
applyNagChecks(app);
