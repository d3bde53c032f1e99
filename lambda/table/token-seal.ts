import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { ClientCredentials } from '../credentials/secret-format';

/**
 * Tokens are sealed at rest (CONTRACT section 3): reading the table, even with its KMS
 * key, is not enough to use a token; holding the client secret is.
 *
 * `sealedToken` = `v1.` + base64url(nonce (12) ‖ AES-256-GCM ciphertext ‖ tag (16)), with
 * key = HKDF-SHA256(IKM = client_secret, salt = client_id, info = SEAL_INFO, 32 bytes) and
 * the item's `pk` as additional authenticated data, so a sealed value moved to another item
 * does not open.
 */
export const SEAL_VERSION_PREFIX = 'v1.';
export const SEAL_INFO = 'wll-token-vendor/token-seal/v1';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface TokenSeal {
  seal(token: string, pk: string): string;
  /** The token, or undefined when the value does not open: another key or version, damaged, tampered. */
  open(sealed: string, pk: string): string | undefined;
}

export function tokenSealFor(credentials: ClientCredentials): TokenSeal {
  const key = Buffer.from(
    hkdfSync('sha256', Buffer.from(credentials.clientSecret, 'utf8'), Buffer.from(credentials.clientId, 'utf8'), SEAL_INFO, KEY_BYTES),
  );
  return {
    seal(token, pk) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(pk, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
      return SEAL_VERSION_PREFIX + Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString('base64url');
    },
    open(sealed, pk) {
      if (!sealed.startsWith(SEAL_VERSION_PREFIX)) return undefined;
      const body = sealed.slice(SEAL_VERSION_PREFIX.length);
      if (!/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
      const bytes = Buffer.from(body, 'base64url');
      if (bytes.length <= NONCE_BYTES + TAG_BYTES) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(pk, 'utf8'));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
