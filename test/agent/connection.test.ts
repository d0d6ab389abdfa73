import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, connectUrl } from '../../src/agent/connection.ts';

describe('agent connection', () => {
  test('the relay URL follows the service URL: https → wss, http → ws', () => {
    assert.equal(connectUrl('https://canopy.example.com'), 'wss://canopy.example.com/relay/v1/connect');
    assert.equal(connectUrl('https://canopy.example.com:8443/some/base'), 'wss://canopy.example.com:8443/relay/v1/connect');
    assert.equal(connectUrl('http://127.0.0.1:8080'), 'ws://127.0.0.1:8080/relay/v1/connect');
  });

  test('back-off is full jitter under an exponential ceiling capped at the maximum', () => {
    for (const [attempt, ceiling] of [[0, 500], [1, 1000], [3, 4000], [6, 30_000], [40, 30_000]] as const) {
      const delays = Array.from({ length: 500 }, () => backoffDelay(attempt, 500, 30_000));
      assert.ok(delays.every((delay) => delay >= 0 && delay < ceiling), `attempt ${attempt}`);
      // Jitter spreads the delays over the whole window, so agents do not return together.
      assert.ok(Math.max(...delays) > ceiling * 0.8 && Math.min(...delays) < ceiling * 0.2, `attempt ${attempt}`);
    }
  });
});
