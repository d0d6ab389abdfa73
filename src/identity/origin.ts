import type { FastifyRequest } from 'fastify';

/** The origin the client called: the provider's issuer and redirect URIs follow it. */
export const originOf = (request: FastifyRequest): string => `${request.protocol}://${request.host}`;
