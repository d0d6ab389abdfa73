/**
 * One-time registration tokens: 256 random bits, shown once to the admin, stored as a
 * SHA-256 hash, valid for one hour, spent by the enrollment that uses them.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { CanopyError } from '../core/errors.ts';
import type { AgentRecord, AgentRegistry } from './registry.ts';

const TOKEN_PREFIX = 'canopy-reg.';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface CreatedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export async function createRegistrationToken(registry: AgentRegistry, tenantId: string, now: Date, ttlMs: number): Promise<CreatedToken> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + ttlMs);
  await registry.saveToken({ tokenHash: hashToken(token), tenantId, createdAt: now, expiresAt });
  return { token, expiresAt };
}

export interface Enrollment {
  readonly name: string;
  readonly publicKeyJwk: JWK;
  readonly domains: readonly string[];
}

/** Spends a token for one agent. Unknown (forged), used and expired tokens are refused by code. */
export async function enrollAgent(registry: AgentRegistry, token: string, enrollment: Enrollment, now: Date): Promise<AgentRecord> {
  if (!token.startsWith(TOKEN_PREFIX)) {
    throw new CanopyError('ERR_RELAY_TOKEN_INVALID', 'this is not a Canopy registration token (they start with "canopy-reg."); create one with `canopy token create`');
  }
  const agent = {
    id: randomUUID(),
    name: enrollment.name,
    publicKeyJwk: enrollment.publicKeyJwk,
    domains: [...new Set(enrollment.domains.map((domain) => domain.toLowerCase()))],
    registeredAt: now,
  };
  const result = await registry.enroll(hashToken(token), now, agent);
  if (result.ok) return { ...agent, tenantId: result.tenantId! };
  switch (result.reason) {
    case 'unknown':
      throw new CanopyError('ERR_RELAY_TOKEN_INVALID', 'the registration token is not one this service issued; create one with `canopy token create`');
    case 'used':
      throw new CanopyError('ERR_RELAY_TOKEN_USED', 'the registration token was already used to enroll an agent; each token enrolls one agent, create another with `canopy token create`');
    case 'expired':
      throw new CanopyError('ERR_RELAY_TOKEN_EXPIRED', 'the registration token has expired (tokens are valid one hour); create another with `canopy token create`');
  }
}
