/**
 * The CDK side of the package: the reusable construct and the deployable stack.
 * `import { TokenVendor } from 'wll-token-vendor/infra'`.
 */
export {
  TokenVendor,
  type TokenVendorProps,
  type TokenVendorAlarms,
  type CredentialSetProps,
  type CredentialSetGrantOptions,
  type PrivateApiProps,
  type TokenVendorCredentialSet,
} from './token-vendor';
export { TokenVendorStack, type TokenVendorStackProps } from './token-vendor-stack';
export type { AlarmNotificationProps } from './alarm-topic';
export { TokenVendorSettingsError } from './settings';
