/**
 * A read worker of read-pool.ts: its own query-only connection to the store's file, running
 * the same read functions as the main thread's reader, one request at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './open-database.ts';
import { readerOn } from './reader.ts';
import { WORKER_READY, type ReadAnswer, type ReadRequest } from './read-pool.ts';

const db = openDatabase((workerData as { path: string }).path);
db.pragma('query_only = ON');
// Sync secrets are never read here (they are not pooled), so no secret box reaches a worker.
const reader = readerOn(db, undefined) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;

parentPort!.on('message', (request: ReadRequest) => {
  void (async (): Promise<ReadAnswer> => {
    try {
      return { id: request.id, ok: true, value: await reader[request.method]!(...request.args) };
    } catch (error) {
      const e = error as Error & { code?: unknown };
      return {
        id: request.id,
        ok: false,
        error: { name: e.name ?? 'Error', message: e.message ?? String(error), ...(typeof e.code === 'string' ? { code: e.code } : {}), ...(typeof e.stack === 'string' ? { stack: e.stack } : {}) },
      };
    }
  })().then((answer) => parentPort!.postMessage(answer));
});
parentPort!.postMessage(WORKER_READY);
