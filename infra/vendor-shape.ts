/**
 * Checks of the construct's props that decide the deployment's shape: whether it has a `default`
 * set, and a private API's VPC endpoints. Each refuses a combination that would silently do nothing.
 */
import { DEFAULT_AUDIENCE } from '../lambda/config/load-config';
import { TokenVendorSettingsError } from './settings';
import type { TokenVendorProps } from './token-vendor-props';

const VPC_ENDPOINT_ID = /^vpce-[0-9a-f]{8,17}$/;

/**
 * `defaultCredentialSet`: true unless set to false, which needs at least one credential set and none
 * of the settings that describe the default set (they would silently do nothing).
 */
export function validateDefaultCredentialSet(props: TokenVendorProps, setCount: number): boolean {
  if (props.defaultCredentialSet !== false) return true;
  if (setCount === 0) {
    throw new TokenVendorSettingsError('defaultCredentialSet is false but credentialSets is empty: a deployment needs at least one credential set.');
  }
  const describeDefault = [
    props.secretName !== undefined && props.secretName.trim() !== '' && 'secretName',
    (props.allowedPrincipalArns?.length ?? 0) > 0 && 'allowedPrincipalArns',
    (props.allowedAudiences?.length ?? 0) > 0 && 'allowedAudiences',
    props.wllRegion !== undefined && props.wllRegion !== 'eu' && 'wllRegion',
    props.wllAudience !== undefined && props.wllAudience !== DEFAULT_AUDIENCE && 'wllAudience',
    props.monthlyTokenBudget !== undefined && 'monthlyTokenBudget',
  ].filter((key): key is string => key !== false);
  if (describeDefault.length > 0) {
    throw new TokenVendorSettingsError(
      `defaultCredentialSet is false, but ${describeDefault.join(', ')} describe${describeDefault.length === 1 ? 's' : ''} the default set: ` +
        'give these settings to each set in credentialSets instead, or leave defaultCredentialSet true.',
    );
  }
  return false;
}

/** The private API's VPC endpoint ids, de-duplicated; undefined for a regional API. */
export function validatePrivateApi(privateApi: TokenVendorProps['privateApi']): string[] | undefined {
  if (privateApi === undefined) return undefined;
  const ids = [...new Set(privateApi.vpcEndpointIds ?? [])];
  if (ids.length === 0) {
    throw new TokenVendorSettingsError('privateApi.vpcEndpointIds is empty: name at least one interface VPC endpoint for execute-api (vpce-...), or leave privateApi out.');
  }
  const bad = ids.find((id) => !VPC_ENDPOINT_ID.test(id));
  if (bad !== undefined) {
    throw new TokenVendorSettingsError(`privateApi.vpcEndpointIds has '${String(bad).slice(0, 60)}', which is not a VPC endpoint id: use the id of an interface endpoint, such as vpce-0123456789abcdef0.`);
  }
  return ids;
}
