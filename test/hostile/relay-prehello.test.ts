/**
 * Issue 12: before `hello`, the relay of `canopy serve` buffered whole 32 MiB messages and
 * took any number of sockets (8 × 30 MiB: 140 -> 350 MiB RSS). Now at most a hello's worth
 * is read from an unauthenticated socket, and unauthenticated sockets are capped per address.
 * RSS is read from /proc of the real service process.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { rssOf, startHostileService, type HostileService } from './support/service.ts';
import { RELAY_DEFAULTS } from '../../src/relay/defaults.ts';

const MiB = 1024 * 1024;

function connect(url: string): WebSocket {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/relay/v1/connect`);
  ws.on('error', () => undefined);
  return ws;
}

const opened = (ws: WebSocket) => new Promise<void>((resolve, reject) => {
  ws.once('open', () => resolve());
  ws.once('unexpected-response', (_request, response) => reject(Object.assign(new Error(`refused with ${response.statusCode}`), { status: response.statusCode, retryAfter: response.headers['retry-after'] })));
  ws.once('error', reject);
});
const closed = (ws: WebSocket) => new Promise<number>((resolve) => {
  if (ws.readyState === ws.CLOSED) resolve(1006);
  else ws.once('close', (code) => resolve(code));
});

describe('relay before hello, against canopy serve', () => {
  let service: HostileService;
  before(async () => {
    service = await startHostileService();
  });
  after(() => service.stop());

  test('8 sockets sending 30 MiB each before hello grow the service by less than 16 MiB', async () => {
    // Settle the service's own start-up allocations first: the read workers load their modules
    // after the ready line (two lists at once reach both), then RSS holds still for 600 ms.
    const token = await service.token();
    const lists = await Promise.all([1, 2].map(() => fetch(`${service.url}/v1.0/users?$count=true`, { headers: { authorization: `Bearer ${token}`, consistencylevel: 'eventual' } })));
    assert.deepEqual(lists.map((r) => r.status), [200, 200]);
    let before = rssOf(service.process.child.pid!);
    for (let still = 0; still < 6;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = rssOf(service.process.child.pid!);
      still = Math.abs(now - before) < MiB / 2 ? still + 1 : 0;
      before = now;
    }
    const payload = Buffer.alloc(30 * MiB, 0x7a);
    const sockets = Array.from({ length: 8 }, () => connect(service.url));
    await Promise.all(sockets.map(opened));
    const codes = Promise.all(sockets.map(closed));
    for (const ws of sockets) ws.send(payload, { binary: false });
    // The service stops reading and closes each socket; peak memory is what it held meanwhile.
    let peak = rssOf(service.process.child.pid!);
    let done = false;
    void codes.then(() => (done = true));
    while (!done) {
      peak = Math.max(peak, rssOf(service.process.child.pid!));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const after = rssOf(service.process.child.pid!);
    const growth = Math.max(peak, after) - before;
    console.log(`# RSS before ${(before / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB, after ${(after / MiB).toFixed(1)} MiB`);
    assert.ok(growth < 16 * MiB, `RSS grew by ${(growth / MiB).toFixed(1)} MiB`);
    for (const code of await codes) assert.ok([1009, 1006].includes(code), `closed with ${code}`);
    assert.match(service.process.output.join('\n'), /refused an agent connection: ERR_RELAY_FRAME_TOO_LARGE: \d+ bytes sent before hello/);
  });

  test('unauthenticated sockets from one address are capped (429 + Retry-After); others still connect after they go', async () => {
    const cap = RELAY_DEFAULTS.maxPendingConnectionsPerAddress;
    const held = Array.from({ length: cap }, () => connect(service.url));
    await Promise.all(held.map(opened));
    const extra = connect(service.url);
    await assert.rejects(opened(extra), (error: Error & { status?: number; retryAfter?: string }) => error.status === 429 && error.retryAfter === '5');
    // The API keeps answering meanwhile.
    assert.equal((await fetch(`${service.url}/v1.0/users`)).status, 401);
    for (const ws of held) ws.close();
    await Promise.all(held.map(closed));
    const later = connect(service.url);
    await opened(later);
    later.close();
    await closed(later);
  });
});
