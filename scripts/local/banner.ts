import type { Config } from '../../lambda/config/load-config';
import type { LocalServices } from './services';

export interface BannerInput {
  readonly apiUrl: string;
  readonly config: Config;
  readonly issuer: LocalServices['issuer'];
  readonly dynamodb: LocalServices['dynamodb'];
}

/** What `npm start` prints once it serves: where, how to try it, and where tokens come from. */
export function readyBanner({ apiUrl, config, issuer, dynamodb }: BannerInput): string {
  const other = config.allowedAudiences.find((audience) => audience !== config.defaultAudience);
  const lines = [
    '',
    `WLL token vendor ready at ${apiUrl} (no IAM here: loopback only)`,
    '',
    '  Try it:',
    `    curl -s ${apiUrl}token`,
    ...(other ? [`    curl -s '${apiUrl}token?audience=${other}'`] : []),
    `    curl -s -X POST ${apiUrl}token/refresh`,
    `    npx wll-token --url ${apiUrl}`,
    '',
    issuer.standIn
      ? '  Issuer:   the LOCAL STAND-IN issuer (see below)'
      : `  Issuer:   ${issuer.tokenUrl} (WLL_REGION ${config.wllRegion}), client id ${issuer.clientId}`,
    `  Audience: ${config.defaultAudience} (allowed: ${config.allowedAudiences.join(', ')})`,
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
