/**
 * Agent assertions: a JWT (RFC 7519) the agent signs with its own Ed25519 key for each
 * connection (the shape of RFC 7523 client assertions). iss = sub = agent id, aud = the
 * service id learned at enrollment, exp at most two minutes after iat, jti used once.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, decodeJwt, errors, importJWK, jwtVerify } from 'jose';
import { CanopyError } from '../core/errors.ts';
import { RELAY_DEFAULTS } from './defaults.ts';
import type { AgentRecord, AgentRegistry } from './registry.ts';

export const ASSERTION_TYP = 'canopy-agent+jwt';
export const ASSERTION_ALG = 'EdDSA';

export async function signAssertion(options: {
  agentId: string;
  audience: string;
  privateKey: KeyObject;
  now?: Date;
  lifetimeSec?: number;
}): Promise<string> {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: ASSERTION_ALG, typ: ASSERTION_TYP })
    .setIssuer(options.agentId)
    .setSubject(options.agentId)
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.lifetimeSec ?? 60))
    .setJti(randomUUID())
    .sign(options.privateKey);
}

const invalid = (message: string, cause?: unknown): CanopyError =>
  new CanopyError('ERR_RELAY_ASSERTION_INVALID', message, { cause });

/** Verifies an assertion and spends its jti. Returns the enrolled agent it proves. */
export async function verifyAssertion(
  registry: AgentRegistry,
  assertion: string,
  options: { audience: string; now: Date; clockToleranceSec?: number; maxLifetimeSec?: number },
): Promise<AgentRecord> {
  let agentId: string | undefined;
  try {
    agentId = decodeJwt(assertion).iss;
  } catch (error) {
    throw invalid('the assertion is not a JWT', error);
  }
  const agent = agentId === undefined ? undefined : await registry.getAgent(agentId);
  if (!agent) throw invalid(`the assertion's issuer ${JSON.stringify(agentId ?? null)} is not an enrolled agent`);

  const tolerance = options.clockToleranceSec ?? RELAY_DEFAULTS.clockToleranceSec;
  const maxLifetime = options.maxLifetimeSec ?? RELAY_DEFAULTS.maxAssertionLifetimeSec;
  let payload;
  try {
    const key = await importJWK(agent.publicKeyJwk, ASSERTION_ALG);
    ({ payload } = await jwtVerify(assertion, key, {
      algorithms: [ASSERTION_ALG],
      typ: ASSERTION_TYP,
      issuer: agent.id,
      subject: agent.id,
      audience: options.audience,
      currentDate: options.now,
      clockTolerance: tolerance,
      requiredClaims: ['iat', 'exp', 'jti'],
      // Also refuses an iat later than now + tolerance: an assertion dated in the future would
      // otherwise stay usable for as long as its signer chose.
      maxTokenAge: maxLifetime,
    }));
  } catch (error) {
    throw invalid(describeJoseError(error), error);
  }
  // Only after the signature: whether an agent was revoked is told to its key holder alone.
  if (agent.revokedAt) throw new CanopyError('ERR_RELAY_AGENT_REVOKED', `agent ${agent.id} was revoked at ${agent.revokedAt.toISOString()}; enroll it again with a new token`);
  const lifetime = payload.exp! - payload.iat!;
  if (lifetime > maxLifetime) throw invalid(`the assertion lives ${lifetime} s; at most ${maxLifetime} s are accepted`);
  // Kept past exp by the tolerance, so a replay inside the tolerance window is still seen.
  const keepUntil = new Date((payload.exp! + tolerance) * 1000);
  if (!(await registry.useAssertionId(agent.id, payload.jti!, keepUntil, options.now))) {
    throw invalid('the assertion was already used (its jti was seen before); sign a fresh one per connection');
  }
  return agent;
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the assertion has expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the assertion's signature does not verify with the agent's enrolled key";
  if (error instanceof errors.JWTClaimValidationFailed) return `the assertion's ${error.claim} claim is not acceptable: ${error.message}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return `the assertion must be signed with ${ASSERTION_ALG}`;
  return `the assertion is not valid: ${(error as Error).message}`;
}
