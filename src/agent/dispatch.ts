/**
 * Routes a relay request to the handler of its AD domain. The relay already sends an
 * agent only the domains it enrolled for; this is the agent's own check of the same rule.
 * Failures are answered as SCIM errors (RFC 7644 §3.12), never as a dropped request.
 */
import { isScimError, scimErrorBody } from '../scim/scim-error.ts';
import type { RelayRequest, RelayResponse } from '../relay/frames.ts';
import type { RequestHandler } from './connection.ts';

export type DomainHandler = (request: RelayRequest, signal: AbortSignal) => Promise<RelayResponse>;

export function createDispatch(domains: ReadonlyMap<string, DomainHandler>): RequestHandler {
  return async (request, signal) => {
    const handler = domains.get(request.domain.toLowerCase());
    if (!handler) {
      return { status: 404, body: scimErrorBody(404, undefined, `this agent does not serve the domain ${request.domain}`) };
    }
    try {
      return await handler(request, signal);
    } catch (error) {
      if (isScimError(error)) return { status: error.status, body: error.toBody() };
      return { status: 500, body: scimErrorBody(500, undefined, (error as Error).message) };
    }
  };
}
