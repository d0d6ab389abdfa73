/**
 * The routes a Graph plugin registered, kept as patterns so that the not-found handler can
 * tell an unknown resource (404) from a known one asked with a method it does not take
 * (405, as Graph answers), and so that docs/graph-compatibility.md is checked against what
 * exists. Patterns are fastify's (`/users/:id`); a parameter matches one path segment, or
 * the rest of the segment when it follows literal text (`/servicePrincipals(appId=:key`).
 */
import type { RouteOptions } from 'fastify';

export interface RegisteredRoute {
  readonly method: string;
  /** The pattern without the version prefix: `/users/:id`. */
  readonly path: string;
}

export class RouteTable {
  readonly #routes: { route: RegisteredRoute; pattern: RegExp }[] = [];

  constructor(readonly prefix: string) {}

  add(options: RouteOptions): void {
    const methods = Array.isArray(options.method) ? options.method : [options.method];
    const path = options.url.startsWith(this.prefix) ? options.url.slice(this.prefix.length) || '/' : options.url;
    const escaped = path.split(/(:[A-Za-z0-9_]+)/).map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
    for (const method of methods) {
      if (method === 'HEAD') continue;
      this.#routes.push({ route: { method, path }, pattern: new RegExp(`^${escaped}$`) });
    }
  }

  routes(): readonly RegisteredRoute[] {
    return this.#routes.map((r) => r.route);
  }

  /** The methods that a path (without prefix and query) answers to. */
  methodsFor(path: string): string[] {
    return [...new Set(this.#routes.filter((r) => r.pattern.test(path)).map((r) => r.route.method))];
  }
}
