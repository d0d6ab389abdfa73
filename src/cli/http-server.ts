/**
 * The bounds of `canopy serve`'s HTTP server (api/http-limits.ts) applied to fastify and to
 * Node's server: header, request and idle timeouts, a cap on connections overall and per
 * remote address, the body limit, and a shutdown that cuts connections still busy after a
 * grace period (a stalled upload or a hung client cannot keep the process from exiting).
 */
import type { Server } from 'node:net';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { HttpLimits } from '../api/http-limits.ts';

/** Options for `Fastify(…)`; `tls` makes it an https server with the same bounds. */
export function httpServerOptions(limits: HttpLimits, tls?: { cert: Buffer; key: Buffer }): FastifyServerOptions & { https?: object } {
  // Node's http.createServer options (https.createServer takes the same ones beside TLS's).
  const node = {
    // Node refuses a headers timeout longer than the request timeout.
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
  };
  return {
    ...(tls ? { https: { ...tls, ...node } } : { http: node }),
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.socketIdleTimeoutMs,
    bodyLimit: limits.bodyLimitBytes,
  };
}

/** Caps open connections overall (Node drops the excess at accept) and per remote address. */
export function limitConnections(server: Server, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
  const perAddress = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    const open = (perAddress.get(address) ?? 0) + 1;
    if (open > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, open);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
}

/** `app.close()`, cutting every connection still open after `closeGraceMs`. */
export async function closeWithGrace(app: FastifyInstance, limits: HttpLimits): Promise<void> {
  const server = app.server as Server & { closeAllConnections?: () => void };
  const timer = setTimeout(() => server.closeAllConnections?.(), limits.closeGraceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}
