/** What `npm start` prints once it serves: where, how to try it (REST and Invoke API, sets), and where tokens come from. */
import { DEFAULT_SET_NAME } from '../../lambda/config/credential-sets';
import type { Config } from '../../lambda/config/load-config';
import type { LocalServices } from './services';

export interface BannerInput {
  readonly apiUrl: string;
  readonly config: Config;
  readonly issuer: LocalServices['issuer'];
  readonly dynamodb: LocalServices['dynamodb'];
}

/** The function name the Invoke API examples use; any name reaches the one function. */
export const LOCAL_FUNCTION_NAME = 'wll-token-vendor';

export function readyBanner({ apiUrl, config, issuer, dynamodb }: BannerInput): string {
  const sets = config.credentialSets.filter((set) => set.name !== DEFAULT_SET_NAME);
  const hasDefault = sets.length < config.credentialSets.length;
  const first = sets[0]?.name;
  const other = config.allowedAudiences.find((audience) => audience !== config.defaultAudience);
  const endpoint = apiUrl.replace(/\/$/, '');
  const invoke = `aws lambda invoke --endpoint-url ${endpoint} --no-sign-request --region eu-west-1 --function-name ${LOCAL_FUNCTION_NAME}`;
  // The paths of the set the examples use: the default set's, else the first named set's.
  const base = hasDefault ? apiUrl : `${apiUrl}sets/${first}/`;
  const lines = [
    '',
    `WLL token vendor ready at ${apiUrl} (no IAM here: loopback only)`,
    '',
    '  Try it (the REST API, as API Gateway serves it):',
    ...(hasDefault ? [`    curl -s ${apiUrl}token`] : []),
    ...(hasDefault && other ? [`    curl -s '${apiUrl}token?audience=${other}'`] : []),
    ...sets.slice(0, 3).map((set) => `    curl -s ${apiUrl}sets/${set.name}/token`),
    `    npx wll-token --url ${apiUrl}${first && !hasDefault ? ` --set ${first}` : ''}`,
    '',
    '  Replace a token WLL refused: name it, and a new one is minted unless someone replaced it already',
    '  (without replacesTokenSha256, a token under a minute old is kept; the X-Token-Refresh header says which):',
    `    TOKEN=$(curl -s ${base}token | node -p 'JSON.parse(require("fs").readFileSync(0)).accessToken')`,
    `    curl -si -X POST "${base}token/refresh?replacesTokenSha256=$(printf %s "$TOKEN" | sha256sum | cut -c1-64)"`,
    '',
    "  Lambda's Invoke API on the same port (unsigned requests are fine here; any function name works):",
    ...(hasDefault ? [`    ${invoke} /dev/stdout`] : []),
    ...(first ? [`    ${invoke} --qualifier ${first} /dev/stdout`] : []),
    '',
    issuer.standIn
      ? '  Issuer:   the LOCAL STAND-IN issuer (see below)'
      : `  Issuer:   ${issuer.tokenUrl} (WLL_REGION ${config.wllRegion}), client id ${issuer.clientId}`,
    ...(hasDefault ? [`  Audience: ${config.defaultAudience} (allowed: ${config.allowedAudiences.join(', ')})`] : []),
    ...(sets.length > 0
      ? [`  Sets:     ${hasDefault ? 'default (/token, the unqualified function), ' : 'no default set, '}${sets.map((set) => set.name).join(', ')} (/sets/<name>/token, alias <name>)`]
      : []),
    `  Cache:    ${dynamodb.startedHere ? 'DynamoDB Local' : 'DynamoDB'} at ${dynamodb.endpoint}, table ${dynamodb.tableName}`,
    '',
    ...(issuer.standIn ? standInNotice() : []),
    'Press Ctrl-C to stop.',
    '',
  ];
  return lines.join('\n');
}

/** Said loudly: these tokens look like WLL's but WLL will refuse them. */
function standInNotice(): string[] {
  const text = [
    'LOCAL STAND-IN ISSUER: tokens come from a stand-in on this machine,',
    'NOT from WLL. They will not work against the WLL API.',
    'For real tokens: WLL_CLIENT_ID=... WLL_CLIENT_SECRET=... npm start',
    '(optionally WLL_REGION=eu|us|me and WLL_AUDIENCE=...).',
  ];
  const width = Math.max(...text.map((line) => line.length));
  const rule = `  ${'*'.repeat(width + 6)}`;
  return [rule, ...text.map((line) => `  *  ${line.padEnd(width)}  *`), rule, ''];
}
