/**
 * `canopy agent run --scim-listen 127.0.0.1:PORT`: the agent's SCIM service over local
 * HTTP, read-only, so that SCIM tools can test it directly. Loopback only: the agent never
 * listens for the service itself (ARCHITECTURE.md); this is a local diagnostic door.
 * Responses are `application/scim+json` (RFC 7644 §3.1); methods other than GET get 405
 * with a SCIM error body and `Allow: GET`.
 *
 * It reads AD, so it is guarded although it listens on loopback only (issue 12): every
 * request carries the bearer token the agent wrote to a 0600 file at start (401 otherwise),
 * and its Host header must name a loopback address, so that a web page in the admin's
 * browser cannot reach it through DNS rebinding (a name of the attacker's resolving to
 * 127.0.0.1 still sends that name as Host: 403).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { scimErrorBody } from '../scim/scim-error.ts';
import type { ScimHandler } from './scim-service.ts';

export interface ScimHttpOptions {
  /** A loopback address: 127.x.x.x, ::1 or localhost. */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly handler: ScimHandler;
  /** Path prefix to strip, e.g. `/scim/v2`; default none. */
  readonly basePath?: string;
  /** The bearer token every request must carry (RFC 6750 §2.1). */
  readonly token: string;
}

export interface ScimHttpServer {
  /** Base URL, e.g. http://127.0.0.1:8443 (with basePath). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export async function startScimHttp(options: ScimHttpOptions): Promise<ScimHttpServer> {
  if (!isLoopbackHost(options.host)) {
    throw new TypeError(`scim-listen host must be a loopback address (127.0.0.1, ::1, localhost), got ${JSON.stringify(options.host)}`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new TypeError(`scim-listen port must be 0-65535, got ${options.port}`);
  }
  if (options.token.length < 16) throw new TypeError('scim-listen token: at least 16 characters');
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const expected = digest(options.token);
  const server = createServer((request, response) => {
    const refusal = refuse(request, expected);
    if (refusal) {
      request.resume();
      if (refusal.status === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="canopy-agent-scim"');
      send(response, refusal.status, scimErrorBody(refusal.status, undefined, refusal.detail));
      return;
    }
    serve(request, response, options.handler, basePath).catch((error: unknown) => {
      send(response, 500, scimErrorBody(500, undefined, `internal error: ${error instanceof Error ? error.message : String(error)}`));
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostPart}:${port}${basePath}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The Host header's name without its port: `127.0.0.1:8089` -> 127.0.0.1, `[::1]:8089` -> ::1. */
function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(host);
  return match ? (match[1] ?? match[2])!.toLowerCase() : undefined;
}

/** 403 for a Host that is not a loopback address, 401 without the right bearer token; undefined to serve. */
function refuse(request: IncomingMessage, expected: Buffer): { status: 401 | 403; detail: string } | undefined {
  const host = hostName(request.headers.host);
  if (!host || !isLoopbackHost(host)) {
    return { status: 403, detail: 'the Host header must name a loopback address (127.0.0.1, ::1, localhost)' };
  }
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  // Compared as digests: equal lengths for timingSafeEqual, and no early exit on a prefix.
  if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
    return { status: 401, detail: 'a bearer token is required: the one in the file the agent named at start (scim-listen.token)' };
  }
  return undefined;
}

async function serve(request: IncomingMessage, response: ServerResponse, handler: ScimHandler, basePath: string): Promise<void> {
  const method = request.method ?? 'GET';
  if (method !== 'GET') {
    // Do not read a body we will not use; close so that it is not parsed as a next request.
    response.setHeader('Allow', 'GET');
    response.setHeader('Connection', 'close');
    send(response, 405, scimErrorBody(405, undefined, `${method} is not allowed: the agent's SCIM service is read-only (GET only)`));
    request.resume();
    return;
  }
  const url = new URL(request.url ?? '/', 'http://localhost');
  let path = url.pathname;
  if (basePath !== '') {
    if (path !== basePath && !path.startsWith(`${basePath}/`)) {
      send(response, 404, scimErrorBody(404, undefined, `no endpoint ${path}`));
      return;
    }
    path = path.slice(basePath.length) || '/';
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) if (!(name in query)) query[name] = value;
  const result = await handler({ method, path, query });
  send(response, result.status, result.body);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  response.end(text);
}
