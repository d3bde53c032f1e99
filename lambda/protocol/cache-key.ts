import { createHmac } from 'node:crypto';
import type { ClientCredentials } from '../credentials/secret-format';

/**
 * The cache key of a token: an HMAC of endpoint, client id and audience, keyed with
 * the client secret. New credentials (even a new secret for the same client id)
 * therefore never read a token minted with old ones, and the key reveals nothing.
 */
export function tokenCacheKey(tokenUrl: string, credentials: ClientCredentials, audience: string): string {
  return createHmac('sha256', credentials.clientSecret)
    .update(JSON.stringify([tokenUrl, credentials.clientId, audience]))
    .digest('base64url');
}
