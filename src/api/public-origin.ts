/**
 * The origin (scheme, host, port) that starts every absolute URL the service writes: the
 * token issuer, the OpenID metadata, `@odata.nextLink` and `@odata.context`, the sign-in
 * pages' redirects. The Host header is never copied into them as it comes (issue 12): a
 * client naming another host would get metadata, links and tokens pointing at it.
 *
 * - With a configured public URL (`canopy serve --public-url`), that origin, always.
 * - Without one, the Host of a request sent to a loopback name (localhost, 127.x.x.x, [::1])
 *   with its port, since MSAL requires the issuer's host to be the one it called and such a
 *   name can only reach this machine; any other Host gets the fallback (the address the
 *   service listens on; `http://localhost` when it was not given, as under app.inject()).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface PublicOriginOptions {
  /** An absolute http(s) URL with no path, query or fragment (checked by parsePublicUrl). */
  readonly publicUrl?: string;
  /** The origin for a Host that is not a loopback name when no public URL is set. */
  readonly fallback?: () => string;
}

type OriginOf = (request: FastifyRequest) => string;

const DECORATION = 'canopyPublicOrigin';

/** A Host header's name, lower case, when it is host[:port] (RFC 9110 §7.2); undefined otherwise. */
function hostNameOf(host: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i.exec(host);
  return match ? match[1]!.toLowerCase() : undefined;
}

export function isLoopbackName(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * `--public-url`: an absolute http(s) URL whose path is empty or `/`; its origin is returned.
 * http only for a loopback host (everything else is served over TLS).
 */
export function parsePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`--public-url ${JSON.stringify(value)}: expected an absolute URL such as https://canopy.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`--public-url ${value}: the scheme must be https (or http on loopback)`);
  if (url.protocol === 'http:' && !isLoopbackName(url.hostname)) throw new TypeError(`--public-url ${value}: http is for loopback only; use https`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    throw new TypeError(`--public-url ${value}: give the origin only (scheme, host, port), without a path, query or credentials`);
  }
  return url.origin;
}

function originResolver(options: PublicOriginOptions): OriginOf {
  const configured = options.publicUrl === undefined ? undefined : parsePublicUrl(options.publicUrl);
  if (configured) return () => configured;
  return (request) => {
    const host = request.headers.host ?? '';
    const name = hostNameOf(host);
    if (name !== undefined && isLoopbackName(name)) return `${request.protocol}://${host.toLowerCase()}`;
    return options.fallback?.() ?? `${request.protocol}://localhost`;
  };
}

/** Sets the policy on the root instance, before the routes register; they read it with publicOrigin(). */
export function configurePublicOrigin(app: FastifyInstance, options: PublicOriginOptions): void {
  app.decorate(DECORATION, originResolver(options));
}

/** The origin for absolute URLs in the answer to `request` (see the top of this file). */
export function publicOrigin(request: FastifyRequest): string {
  const resolve = (request.server as unknown as Record<string, OriginOf | undefined>)[DECORATION] ?? defaultResolver;
  return resolve(request);
}

const defaultResolver = originResolver({});
