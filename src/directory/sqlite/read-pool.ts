/**
 * The store's scanning reads (lists and counts over a tenant's objects, whose cost grows
 * with the tenant and the filter) run on worker threads, each with its own query-only
 * connection to the database file. better-sqlite3 runs a query synchronously: on the main
 * thread a $count over a large tenant with an unindexed filter held the event loop for
 * hundreds of milliseconds, and every other request, of every tenant, and the relay's
 * heartbeats waited with it. Jobs wait in one queue per tenant and a free worker takes the
 * next tenant's in turn, so a tenant with many queued reads delays another's by at most
 * one read per worker. Point reads (by id, the tenant, an application) stay on the main
 * thread: they cost an index probe, less than the trip to a worker.
 */
import { Worker } from 'node:worker_threads';
import { CanopyError, type CanopyErrorCode } from '../../core/errors.ts';
import type { DirectoryReader } from '../store.ts';

/** The reads that may scan; each takes the tenant id first (the key of the fair queue). */
export const POOLED_READS = [
  'findUsers', 'listUsers', 'countUsers', 'listGroups', 'countGroups', 'listGroupMembers', 'countGroupMembers',
  'listMemberOf', 'countMemberOf', 'listMemberOfMany', 'listGroupMembersMany', 'listPendingReferences', 'listEscrows', 'countEscrows', 'listProvisioningLogs',
] as const satisfies readonly (keyof DirectoryReader)[];

export type PooledRead = (typeof POOLED_READS)[number];

/** Worker threads per SQLite store opened with a pool (`canopy serve`): reads in parallel with each other and with the main thread. */
export const DEFAULT_READ_WORKERS = 2;

export interface ReadRequest {
  readonly id: number;
  readonly method: PooledRead;
  readonly args: readonly unknown[];
}

/** What crosses back from a worker for a failed read: enough to rebuild the error, its stack for the log. */
export interface ReadFailure {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

export type ReadAnswer =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: ReadFailure };

/** A worker's first message, once its connection is open: from then on it is restarted if it dies. */
export const WORKER_READY = 'ready';

interface Job {
  readonly request: ReadRequest;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Slot {
  readonly worker: Worker;
  job?: Job;
  /** Has answered once: a worker that dies before is not restarted (it would fail again). */
  healthy: boolean;
}

export interface ReadPool {
  call(method: PooledRead, args: readonly unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * The worker: its module when built (JavaScript), or, when the sources run through tsx, a
 * bootstrap that registers tsx's loader in the worker first (a loader registered in the
 * main thread with module.register, as bin/canopy.mjs does, does not reach workers on Node 20).
 */
function newWorker(path: string): Worker {
  const workerData = { path };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./read-worker.js', import.meta.url), { workerData });
  const module = new URL('./read-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/**
 * The error a read threw in its worker, rebuilt on this side of the thread boundary: the
 * API maps CanopyError codes and TypeError (a query the store cannot run) to 400s, so those
 * keep their class; the worker's stack is kept for the 500 log line.
 */
function toError(failure: ReadFailure): Error {
  const error =
    failure.name === 'CanopyError' && failure.code ? new CanopyError(failure.code as CanopyErrorCode, failure.message)
      : failure.name === 'TypeError' ? new TypeError(failure.message)
        : Object.assign(new Error(failure.message), failure.code ? { code: failure.code } : {});
  if (failure.stack) error.stack = `${failure.stack}\n    (in a read worker, read-pool.ts)`;
  return error;
}

export function startReadPool(path: string, size = DEFAULT_READ_WORKERS): ReadPool {
  const queues = new Map<string, Job[]>();
  let nextId = 1;
  let closed = false;
  let broken: Error | undefined;

  const spawn = (): Slot => {
    const slot: Slot = { worker: newWorker(path), healthy: false };
    slot.worker.on('message', (answer: ReadAnswer | typeof WORKER_READY) => {
      slot.healthy = true;
      if (answer === WORKER_READY) return;
      const job = slot.job;
      if (!job || answer.id !== job.request.id) return;
      slot.job = undefined;
      if (answer.ok) job.resolve(answer.value);
      else job.reject(toError(answer.error));
      dispatch();
    });
    // A worker that dies fails its read and is replaced; one that never opened its connection
    // (the addon or the file cannot be loaded: it would fail again) fails every read.
    let failure: Error | undefined;
    slot.worker.on('error', (error) => {
      failure = error;
    });
    slot.worker.on('exit', () => {
      const error = failure ?? new Error('read worker exited');
      slot.job?.reject(error);
      slot.job = undefined;
      if (closed) return;
      if (!slot.healthy) {
        broken = error;
        for (const queue of queues.values()) for (const job of queue) job.reject(error);
        queues.clear();
        return;
      }
      const index = slots.indexOf(slot);
      if (index >= 0) slots[index] = spawn();
      dispatch();
    });
    slot.worker.unref();
    return slot;
  };
  const slots: Slot[] = Array.from({ length: Math.max(1, size) }, spawn);

  /** The next tenant's oldest job: a Map keeps insertion order, and a served tenant goes to the back. */
  const nextJob = (): Job | undefined => {
    for (const [tenant, queue] of queues) {
      const job = queue.shift();
      queues.delete(tenant);
      if (queue.length > 0) queues.set(tenant, queue);
      if (job) return job;
    }
    return undefined;
  };

  /** Gives each idle worker the next job; a worker keeps the process alive only while it has one. */
  function dispatch(): void {
    for (const slot of slots) {
      if (!slot.job) {
        const job = nextJob();
        if (job) {
          slot.job = job;
          slot.worker.postMessage(job.request);
        }
      }
      if (slot.job) slot.worker.ref();
      else slot.worker.unref();
    }
  }

  return {
    call(method, args) {
      if (closed) return Promise.reject(new TypeError(`store is closed: ${method}`));
      if (broken) return Promise.reject(broken);
      return new Promise((resolve, reject) => {
        const tenant = String(args[0]).toLowerCase();
        const queue = queues.get(tenant) ?? [];
        queue.push({ request: { id: nextId++, method, args }, resolve, reject });
        queues.set(tenant, queue);
        dispatch();
      });
    },
    /**
     * Reads still queued fail with "store is closed"; a read running in a worker fails when the
     * worker is terminated (V8 stops it as soon as SQLite returns from the running step).
     */
    async close() {
      closed = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
      for (const queue of queues.values()) for (const job of queue) job.reject(new TypeError(`store is closed: ${job.request.method}`));
      queues.clear();
    },
  };
}
