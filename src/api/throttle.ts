/**
 * Per-application and per-tenant admission of authenticated Graph requests. The store's
 * SQLite adapter runs each query synchronously on the event loop, so a client that sends
 * many expensive reads at once would otherwise interleave all of them with every other
 * tenant's requests, and the others would wait behind the whole burst. Here a tenant's
 * requests beyond its slots wait in that tenant's own queue; another tenant's request waits
 * behind at most the few running ones. Past a queue's bound the answer is Graph's 429 with
 * Retry-After (Graph "Throttling guidance"), so a flood costs a cheap refusal, not a query.
 * Limits: api/http-limits.ts (THROTTLE_DEFAULTS).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { tooManyRequests } from './errors.ts';
import { THROTTLE_DEFAULTS, type ThrottleLimits } from './http-limits.ts';

/** A request's place: `ready` settles when it may run; `done()` frees its slot or leaves the queue (idempotent). */
export interface Ticket {
  readonly ready: Promise<void>;
  done(): void;
}

interface Waiter {
  readonly app: string;
  start(): void;
}

interface TenantState {
  running: number;
  readonly waiting: Waiter[];
  readonly apps: Map<string, { running: number; waiting: number }>;
  /** Moving average of how long a request of this tenant runs, for Retry-After. */
  averageMs: number;
}

/** Weight of the newest request in the moving average of run time. */
const AVERAGE_WEIGHT = 0.2;

export class RequestThrottle {
  readonly #limits: ThrottleLimits;
  readonly #tenants = new Map<string, TenantState>();

  constructor(limits: Partial<ThrottleLimits> = {}) {
    this.#limits = Object.freeze({ ...THROTTLE_DEFAULTS, ...limits });
  }

  /** Takes a slot now, queues, or throws Graph's 429 when the application's or the tenant's queue is full. */
  enter(tenantId: string, appId: string): Ticket {
    const tenant = this.#tenant(tenantId);
    const app = tenant.apps.get(appId) ?? { running: 0, waiting: 0 };
    tenant.apps.set(appId, app);
    let state: 'waiting' | 'running' | 'done' = 'waiting';
    let startedAt = 0;
    const start = () => {
      state = 'running';
      startedAt = performance.now();
      tenant.running += 1;
      app.running += 1;
    };
    let waiter: Waiter | undefined;
    const done = () => {
      if (state === 'done') return;
      if (state === 'waiting') {
        // Left the queue before its turn (the client went away): its place is given up.
        tenant.waiting.splice(tenant.waiting.indexOf(waiter!), 1);
        app.waiting -= 1;
      } else {
        tenant.running -= 1;
        app.running -= 1;
        tenant.averageMs += AVERAGE_WEIGHT * (performance.now() - startedAt - tenant.averageMs);
      }
      state = 'done';
      this.#dispatch(tenant);
      this.#forget(tenantId, tenant, appId, app);
    };
    if (this.#hasRoom(tenant, app)) {
      start();
      return { ready: Promise.resolve(), done };
    }
    if (app.waiting >= this.#limits.appQueue || tenant.waiting.length >= this.#limits.tenantQueue) {
      this.#forget(tenantId, tenant, appId, app);
      const seconds = this.#retryAfterSeconds(tenant);
      throw tooManyRequests(`Too many requests. Please retry after ${seconds} seconds.`, seconds);
    }
    const ready = new Promise<void>((resolve) => {
      waiter = { app: appId, start: () => (start(), resolve()) };
    });
    tenant.waiting.push(waiter!);
    app.waiting += 1;
    return { ready, done };
  }

  /** Requests running and waiting now, for tests and status. */
  load(tenantId: string): { running: number; waiting: number } {
    const tenant = this.#tenants.get(tenantId);
    return { running: tenant?.running ?? 0, waiting: tenant?.waiting.length ?? 0 };
  }

  #tenant(tenantId: string): TenantState {
    let tenant = this.#tenants.get(tenantId);
    if (!tenant) {
      tenant = { running: 0, waiting: [], apps: new Map(), averageMs: 100 };
      this.#tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  #hasRoom(tenant: TenantState, app: { running: number }): boolean {
    return tenant.running < this.#limits.tenantConcurrency && app.running < this.#limits.appConcurrency;
  }

  /** Starts queued requests in arrival order, skipping those whose application has no free slot. */
  #dispatch(tenant: TenantState): void {
    for (let i = 0; i < tenant.waiting.length && tenant.running < this.#limits.tenantConcurrency; ) {
      const waiter = tenant.waiting[i]!;
      const app = tenant.apps.get(waiter.app)!;
      if (app.running < this.#limits.appConcurrency) {
        tenant.waiting.splice(i, 1);
        app.waiting -= 1;
        waiter.start();
      } else {
        i += 1;
      }
    }
  }

  /** Drops the state of an idle application and tenant, so that the maps stay as small as the load. */
  #forget(tenantId: string, tenant: TenantState, appId: string, app: { running: number; waiting: number }): void {
    if (app.running === 0 && app.waiting === 0) tenant.apps.delete(appId);
    if (tenant.running === 0 && tenant.waiting.length === 0) this.#tenants.delete(tenantId);
  }

  /** About how long until the queue ahead has run: its length times the average run time over the slots. */
  #retryAfterSeconds(tenant: TenantState): number {
    const ahead = tenant.waiting.length + tenant.running;
    return Math.max(1, Math.ceil((ahead * tenant.averageMs) / this.#limits.tenantConcurrency / 1000));
  }
}

/**
 * The onRequest step after authentication: waits for the caller's slot, or refuses with 429.
 * The slot is freed when the response is over or the connection closed, whichever is first.
 */
export function createThrottleHook(throttle: RequestThrottle, principalOf: (request: FastifyRequest) => { tenantId: string; appId: string }) {
  return async function admit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { tenantId, appId } = principalOf(request);
    const ticket = throttle.enter(tenantId.toLowerCase(), appId.toLowerCase());
    reply.raw.once('close', ticket.done);
    await ticket.ready;
  };
}
