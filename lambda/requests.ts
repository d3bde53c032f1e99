import type { Config } from './config';
import { BadRequestError } from './errors';

/** What a caller asks for, whichever entry point it came through. */
export interface TokenRequest {
  /** Undefined: the configured default audience. */
  readonly audience?: string;
  readonly forceRefresh: boolean;
}

const EVENT_FIELDS = ['audience', 'forceRefresh'];
const EVENT_EXAMPLE = '{} or {"audience": "staging.wlloyalty.net", "forceRefresh": true}';

/**
 * Parses a direct invocation's event (CONTRACT section 4). Anything unexpected is a
 * BadRequestError, so a malformed event never reaches the issuer.
 */
export function parseInvokeEvent(event: unknown): TokenRequest {
  if (event === null || event === undefined) return { forceRefresh: false };
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new BadRequestError(`The event must be a JSON object such as ${EVENT_EXAMPLE}.`);
  }
  const fields = event as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((name) => !EVENT_FIELDS.includes(name));
  if (unknown.length > 0) {
    throw new BadRequestError(
      `Unknown field ${unknown.map((name) => `'${printable(name)}'`).join(', ')} in the event: ` +
        `the accepted fields are audience and forceRefresh, as in ${EVENT_EXAMPLE}.`,
    );
  }
  const { audience, forceRefresh } = fields;
  if (audience !== undefined && (typeof audience !== 'string' || audience === '')) {
    throw new BadRequestError('The event field audience must be a non-empty string, such as "wlloyalty.net".');
  }
  if (forceRefresh !== undefined && typeof forceRefresh !== 'boolean') {
    throw new BadRequestError('The event field forceRefresh must be true or false.');
  }
  return { audience, forceRefresh: forceRefresh ?? false };
}

/**
 * Parses the query string of `GET /token` and `POST /token/refresh`: the only
 * parameter is `audience`, given once, not empty.
 */
export function parseQuery(
  single: Record<string, string | undefined> | null | undefined,
  multi: Record<string, string[] | undefined> | null | undefined,
): { audience?: string } {
  const names = new Set([...Object.keys(single ?? {}), ...Object.keys(multi ?? {})]);
  const unknown = [...names].filter((name) => name !== 'audience');
  if (unknown.length > 0) {
    throw new BadRequestError(
      `Unknown query parameter ${unknown.map((name) => `'${printable(name)}'`).join(', ')}: the only parameter is audience.`,
    );
  }
  if ((multi?.audience?.length ?? 0) > 1) {
    throw new BadRequestError('The audience parameter is given more than once: give it once.');
  }
  const audience = single?.audience ?? multi?.audience?.[0];
  if (audience === undefined) return {};
  if (audience === '') throw new BadRequestError('The audience parameter is empty: give an audience, or leave the parameter out.');
  return { audience };
}

/** The audience to use: the default when none is named, else one of the allowed ones. */
export function resolveAudience(requested: string | undefined, config: Pick<Config, 'defaultAudience' | 'allowedAudiences'>): string {
  if (requested === undefined) return config.defaultAudience;
  if (!config.allowedAudiences.includes(requested)) {
    throw new BadRequestError(
      `Audience '${printable(requested)}' is not allowed: ask for one of ${config.allowedAudiences.join(', ')} ` +
        '(an operator can extend WLL_ALLOWED_AUDIENCES).',
    );
  }
  return requested;
}

/** Echoes caller input safely: printable characters only, and not too much of it. */
function printable(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}...` : clean;
}
