import { createHash } from 'node:crypto';
import { Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * A name for one instance of the construct that is unique among the instances of an app and
 * stable across deploys: the stack's name and the construct's path inside its stack, for
 * example `WllTokenVendor-TokenVendor` or `Orders-Tokens-Staging`. It names what the account
 * sees once per instance (metric dimension, API name, dashboard), so two vendors never share one.
 *
 * Only letters, digits, `-` and `_` (CloudWatch dashboard names accept no more); at most
 * `maxLength` characters, a long name keeping its start and a hash of the whole.
 */
export function instanceName(construct: IConstruct, maxLength = 100): string {
  const stack = Stack.of(construct);
  // A nested stack's name is only known at deploy time: its path in the app stands in for it.
  const stackPart = Token.isUnresolved(stack.stackName) ? stack.node.path : stack.stackName;
  const inStack = construct.node.path.slice(stack.node.path.length + 1);
  const name = `${stackPart}-${inStack}`.replace(/[^A-Za-z0-9_-]+/g, '-');
  if (name.length <= maxLength) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, maxLength - hash.length - 1)}-${hash}`;
}
