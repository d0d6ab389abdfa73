import type { FastifyRequest } from 'fastify';
import { publicOrigin } from '../api/public-origin.ts';

/** The service's public origin (api/public-origin.ts): the provider's issuer and redirect URIs follow it. */
export const originOf = (request: FastifyRequest): string => publicOrigin(request);
