/**
 * White-box reads of a container's state that the invariants need and the function does not
 * expose: what each protocol holds in memory, and the credentials a token service has in hand.
 * Only reads, never writes. If a field is renamed, these fail with a message saying so.
 */
import type { IssuedToken } from '../../../lambda/core/token';
import type { ClientCredentials } from '../../../lambda/credentials/secret-format';
import type { TokenProtocol } from '../../../lambda/protocol/token-protocol';
import type { TokenService } from '../../../lambda/protocol/token-service';

function field<T>(owner: object, name: string, what: string): T {
  if (!(name in owner)) throw new Error(`The simulation reads ${what}'s private '${name}', which is gone: update test/sim/lambda/introspection.ts.`);
  return (owner as Record<string, T>)[name]!;
}

export function protocolOf(service: TokenService): TokenProtocol {
  return field<TokenProtocol>(service, 'protocol', 'TokenService');
}

/** The protocol's memory: token key to the token it serves from memory. */
export function memoryOf(protocol: TokenProtocol): ReadonlyMap<string, IssuedToken> {
  return field<Map<string, IssuedToken>>(protocol, 'memory', 'TokenProtocol');
}

/** The credentials the service's secret reader holds, and when it read them (its own clock). */
export function credentialsInHand(service: TokenService): { credentials: ClientCredentials; readAt: number } | undefined {
  const reader = field<object>(service, 'credentials', 'TokenService');
  return field<{ credentials: ClientCredentials; readAt: number } | undefined>(reader, 'last', 'SecretsManagerCredentials');
}
