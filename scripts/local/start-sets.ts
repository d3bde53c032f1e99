/**
 * Credential sets under `npm start` (CONTRACT section 8): `npm start -- --sets eu-prod,us-prod`, or the
 * function's own `CREDENTIAL_SETS` JSON, each set served by the stand-in issuer with credentials of its
 * own, so `/sets/<name>/token` and an invocation of alias `<name>` work on a laptop.
 */
import type { CredentialSet } from '../../lambda/config/credential-sets';
import { StartError } from './start-error';

/** What the command line and `CREDENTIAL_SETS` ask for, before the function's own checks. */
export interface SetsRequest {
  /** `CREDENTIAL_SETS` for the function's configuration, or undefined: no named sets. */
  readonly credentialSets?: string;
  /** Whether the `default` set (`/token`, the unqualified function) is served too. */
  readonly withDefault: boolean;
}

/** The secret name under which `--sets` stores a set's stand-in credentials. */
export const setSecretName = (name: string) => `wll-token-vendor/local/${name}`;

const USAGE = 'npm start accepts --sets <name,name,...> and --no-default-set (after --: npm start -- --sets eu-prod,us-prod)';

/**
 * Reads `--sets` and `--no-default-set` from the command line, or `CREDENTIAL_SETS` from the
 * environment. `--sets` gives every set the default set's audiences.
 */
export function readSetsRequest(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, audiences: { audience?: string; allowed?: string }): SetsRequest {
  let names: string[] | undefined;
  let withDefault = true;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--no-default-set') withDefault = false;
    else if (arg === '--sets' || arg.startsWith('--sets=')) {
      const value = arg === '--sets' ? argv[(i += 1)] : arg.slice('--sets='.length);
      if (value === undefined || value.trim() === '') throw new StartError(`--sets needs a comma-separated list of set names, such as --sets eu-prod,us-prod.`);
      names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
    } else throw new StartError(`Unknown option '${arg.slice(0, 40)}': ${USAGE}.`);
  }
  if (names === undefined && env.npm_config_sets !== undefined) {
    // `npm start --sets x` (without --) gives npm the option, not this script.
    throw new StartError(`npm kept --sets for itself: put it after --, as in npm start -- --sets ${env.npm_config_sets || 'eu-prod,us-prod'}.`);
  }
  const json = env.CREDENTIAL_SETS?.trim() || undefined;
  if (names !== undefined && json !== undefined) {
    throw new StartError('Both --sets and CREDENTIAL_SETS name credential sets: use one of them.');
  }
  if (names === undefined && json === undefined && !withDefault) {
    throw new StartError('--no-default-set leaves nothing to serve: name the sets too (--sets eu-prod,us-prod, or CREDENTIAL_SETS).');
  }
  if (names === undefined) return { credentialSets: json, withDefault };
  const allowed = audiences.allowed?.split(',').map((audience) => audience.trim()).filter((audience) => audience !== '');
  const sets = Object.fromEntries(
    names.map((name) => [
      name,
      {
        secretId: setSecretName(name),
        ...(audiences.audience ? { audience: audiences.audience.trim() } : {}),
        ...(allowed && allowed.length > 0 ? { allowedAudiences: allowed } : {}),
      },
    ]),
  );
  if (Object.keys(sets).length !== names.length) throw new StartError(`--sets names a set twice: ${names.join(',')}.`);
  return { credentialSets: JSON.stringify(sets), withDefault };
}

/**
 * The function's `CREDENTIAL_SETS` as `npm start` runs it: each named set as configured, but
 * getting its tokens from the stand-in issuer.
 */
export function handlerCredentialSets(sets: readonly CredentialSet[], standInTokenUrl: string): string {
  return JSON.stringify(
    Object.fromEntries(
      sets.map((set) => [
        set.name,
        { secretId: set.credentialsSecretId, tokenUrl: standInTokenUrl, audience: set.defaultAudience, allowedAudiences: set.allowedAudiences },
      ]),
    ),
  );
}
