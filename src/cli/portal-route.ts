/**
 * The admin portal at /portal/: the static app in web/portal (plain ES modules and one
 * stylesheet, no build step) and /portal/config.json, which tells it the tenant and its
 * client id. The app is only a Graph client: it signs the admin in through the tenant's
 * OpenID Connect provider (src/identity) and calls /v1.0 with that token, as any client does.
 */
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { PORTAL_CLIENT_ID, PORTAL_PATH, PORTAL_SCOPES } from '../identity/provider.ts';

/** web/portal at the repository root: two levels above src/cli and dist/cli alike. */
export const PORTAL_ROOT = fileURLToPath(new URL('../../web/portal/', import.meta.url));

/** Scripts, styles and calls from Canopy's own origin only; no CDN, nothing inline, no framing. */
const PORTAL_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

export function portalRoutes(options: { tenantId: () => string | undefined }) {
  return async function portal(app: FastifyInstance): Promise<void> {
    app.addHook('onSend', async (_request, reply) => {
      reply.header('content-security-policy', PORTAL_CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      // Revalidated each load: a new version of Canopy serves its new portal at once.
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-cache');
    });
    app.get('/portal', async (_request, reply) => reply.redirect(PORTAL_PATH, 301));
    app.get(`${PORTAL_PATH}config.json`, async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { tenantId: options.tenantId() ?? null, clientId: PORTAL_CLIENT_ID, scopes: PORTAL_SCOPES };
    });
    await app.register(fastifyStatic, { root: PORTAL_ROOT, prefix: PORTAL_PATH, index: 'index.html', cacheControl: false });
  };
}
