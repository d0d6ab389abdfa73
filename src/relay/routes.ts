/**
 * The relay's HTTP routes: enrollment (authenticated by the registration token itself) and
 * the admin verbs (authenticated by the service's admin credentials through `authenticate`).
 * Status codes are chosen here, at the edge; bodies use Graph's error shape {error:{code,message}}.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isCanopyError, type CanopyErrorCode } from '../core/errors.ts';
import { RELAY_PATHS } from './defaults.ts';
import type { Relay } from './relay.ts';

/** Resolves the admin's tenant from a request's credentials, or undefined when they are missing or invalid. */
export type AdminAuthenticator = (request: FastifyRequest) => Promise<{ tenantId: string } | undefined>;

const STATUS: Partial<Record<CanopyErrorCode, number>> = {
  ERR_RELAY_TOKEN_INVALID: 401,
  ERR_RELAY_TOKEN_EXPIRED: 401,
  ERR_RELAY_TOKEN_USED: 401,
  ERR_CONFIG_INVALID: 400,
};

const registrationBody = z.object({
  token: z.string().min(1),
  name: z.string().min(1).max(200),
  domains: z.array(z.string().min(1).max(253)).min(1),
  // Only the public half of an Ed25519 key (RFC 8037 §2); a private "d" is refused outright.
  publicKeyJwk: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(1), d: z.undefined().optional() }).loose(),
});

function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

export function relayRoutes(relay: Relay, authenticate: AdminAuthenticator) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const admin = async (request: FastifyRequest, reply: FastifyReply): Promise<string | undefined> => {
      const principal = await authenticate(request);
      if (!principal) {
        void sendError(reply, 401, 'InvalidAuthenticationToken', 'an admin access token is required (Authorization: Bearer …)');
        return undefined;
      }
      return principal.tenantId;
    };

    app.post(RELAY_PATHS.register, async (request, reply) => {
      const parsed = registrationBody.safeParse(request.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return sendError(reply, 400, 'ERR_CONFIG_INVALID', `invalid registration: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
      }
      try {
        const agent = await relay.enroll(parsed.data.token, parsed.data);
        return reply.code(201).send({ agentId: agent.id, tenantId: agent.tenantId, domains: agent.domains, audience: await relay.audience(), connectPath: RELAY_PATHS.connect });
      } catch (error) {
        if (isCanopyError(error) && STATUS[error.code]) return sendError(reply, STATUS[error.code]!, error.code, error.message);
        throw error;
      }
    });

    app.post(RELAY_PATHS.tokens, async (request, reply) => {
      const tenantId = await admin(request, reply);
      if (tenantId === undefined) return reply;
      const created = await relay.createToken(tenantId);
      return reply.code(201).send({ token: created.token, tenantId, expiresAt: created.expiresAt.toISOString() });
    });

    app.get(RELAY_PATHS.agents, async (request, reply) => {
      const tenantId = await admin(request, reply);
      if (tenantId === undefined) return reply;
      return { value: await relay.agentStatus(tenantId) };
    });

    app.post<{ Params: { id: string } }>(`${RELAY_PATHS.agents}/:id/revoke`, async (request, reply) => {
      const tenantId = await admin(request, reply);
      if (tenantId === undefined) return reply;
      if (!(await relay.revoke(request.params.id, tenantId))) {
        return sendError(reply, 404, 'Request_ResourceNotFound', `no agent ${request.params.id} in tenant ${tenantId}`);
      }
      const status = (await relay.agentStatus(tenantId)).find((agent) => agent.id === request.params.id);
      return status;
    });
  };
}
