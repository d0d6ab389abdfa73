import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket, { WebSocketServer } from 'ws';
import { sendWhenWritable } from '../../src/relay/send-queue.ts';
import type { RelayRequest } from '../../src/relay/frames.ts';
import { startHarness } from './harness.ts';

describe('backpressure', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('a sender stops while its peer does not read, and memory stays at the high-water mark', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await once(server, 'listening');
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}`, { maxPayload: 64 * 1024 * 1024 });
    const [peer] = (await once(server, 'connection')) as [WebSocket];
    await once(client, 'open');
    client.pause(); // the slow reader
    const frame = 'x'.repeat(1024 * 1024);
    const highWaterMark = 2 * 1024 * 1024;
    let sent = 0;
    let maxBuffered = 0;
    const sending = (async () => {
      for (let index = 0; index < 64; index += 1) {
        await sendWhenWritable(peer, frame, highWaterMark);
        sent += 1;
        maxBuffered = Math.max(maxBuffered, peer.bufferedAmount);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(sent < 64, `the sender went on (${sent} frames) while nobody read`);
    assert.ok(maxBuffered <= highWaterMark + frame.length, `buffered ${maxBuffered} bytes`);
    let received = 0;
    client.on('message', () => (received += 1));
    client.resume();
    await sending;
    while (received < 64) await new Promise((resolve) => setTimeout(resolve, 10));
    client.close();
  });

  test('an agent busy longer than downAfterMs with its socket paused is not marked down', async () => {
    const harness = await startHarness({ heartbeatIntervalMs: 100, downAfterMs: 600 });
    cleanups.push(() => harness.close());
    const agent = await harness.enroll('A', ['busy.example.com']);
    await harness.connect(agent, async () => {
      await new Promise((resolve) => setTimeout(resolve, 900));
      return { status: 200 };
    }, { concurrency: 1 });
    const downs: unknown[] = [];
    harness.relay.events.on('agent.down', (event) => downs.push(event));
    const request: RelayRequest = { domain: 'busy.example.com', method: 'GET', path: '/Users' };
    const answers = await Promise.all([1, 2, 3].map(() => harness.relay.request('A', request)));
    assert.deepEqual(answers.map((answer) => answer.status), [200, 200, 200]);
    assert.deepEqual(downs, []);
  });

  test('an agent works on at most `concurrency` requests and leaves the rest unread until a slot frees', async () => {
    const harness = await startHarness();
    cleanups.push(() => harness.close());
    const agent = await harness.enroll('A', ['corp.example.com']);
    let running = 0;
    let maxRunning = 0;
    await harness.connect(agent, async (request) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 50));
      running -= 1;
      return { status: 200, body: { n: request.query?.n } };
    }, { concurrency: 2 });
    const request = (n: number): RelayRequest => ({ domain: 'corp.example.com', method: 'GET', path: '/Users', query: { n: String(n) } });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => harness.relay.request('A', request(n))));
    assert.deepEqual(answers.map((answer) => (answer.body as { n: string }).n), Array.from({ length: 12 }, (_, n) => String(n)));
    assert.equal(maxRunning, 2);
  });
});
