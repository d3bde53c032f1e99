import { createHash } from 'node:crypto';

/**
 * Values that must never be written anywhere: client secrets and issued tokens.
 * Stand-ins register what they know; the log capture checks the output against it.
 * Kept on globalThis so every module instance in a test file shares one registry.
 */
const registry: Set<string> = ((globalThis as { __sensitiveValues?: Set<string> }).__sensitiveValues ??= new Set());

export function registerSensitive(value: string): void {
  if (value.length >= 8) registry.add(value);
}

export function sensitiveValues(): readonly string[] {
  return [...registry];
}

/** A short fingerprint, so an assertion can name a token without printing it. */
export function fingerprint(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 12)}`;
}

/** The sensitive values found in `text`, as fingerprints. */
export function leakedIn(text: string): string[] {
  return sensitiveValues()
    .filter((value) => text.includes(value))
    .map(fingerprint);
}
