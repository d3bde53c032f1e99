import { createDecipheriv, hkdfSync } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Opens a token item the way CONTRACT section 3 describes it, written from the contract's
 * text alone (not from lambda/), so that a test using it checks the format other tools
 * rely on rather than the function agreeing with itself.
 */
export function openPerContract(item: Record<string, AttributeValue>, credentials: { clientId: string; clientSecret: string }): string {
  const pk = item.pk?.S;
  const sealed = item.sealedToken?.S;
  if (pk === undefined || sealed === undefined) throw new Error('the item has no pk or no sealedToken');
  if (!sealed.startsWith('v1.')) throw new Error('sealedToken does not start with v1.');
  const bytes = Buffer.from(sealed.slice(3), 'base64url');
  const key = Buffer.from(hkdfSync('sha256', credentials.clientSecret, credentials.clientId, 'wll-token-vendor/token-seal/v1', 32));
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(pk, 'utf8'));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
}
