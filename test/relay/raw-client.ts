/** A bare WebSocket client speaking (or misspeaking) the relay protocol, for tests of what the relay refuses. */
import WebSocket from 'ws';
import { connectUrl } from '../../src/agent/connection.ts';

export interface RawClient {
  readonly ws: WebSocket;
  readonly frames: Record<string, unknown>[];
  /** The next frame received (or already received and not yet taken). */
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
}

export async function rawClient(serviceUrl: string, options: WebSocket.ClientOptions = {}): Promise<RawClient> {
  const ws = new WebSocket(connectUrl(serviceUrl), options);
  const frames: Record<string, unknown>[] = [];
  const waiters: ((frame: Record<string, unknown>) => void)[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Record<string, unknown>;
    const waiter = waiters.shift();
    if (waiter) waiter(frame);
    else frames.push(frame);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('error', () => undefined);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    ws,
    frames,
    closed,
    next(timeoutMs = 3000) {
      const queued = frames.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no frame within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((frame) => {
          clearTimeout(timer);
          resolve(frame);
        });
      });
    },
  };
}
