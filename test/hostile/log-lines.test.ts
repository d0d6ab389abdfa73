/**
 * Issue 12: "500s are logged nowhere (fastify's logger is off); client bytes and control
 * characters reach log lines and `canopy status` unescaped". Against a real `canopy serve`:
 * each request is logged as a JSON line (pino) with the request id Graph's `request-id`
 * header carries, and a frame an unauthenticated socket sends cannot forge a log line:
 * its control characters come out escaped, on the one line of the refusal.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startHostileService, type HostileService } from './support/service.ts';
import { escapeForLog } from '../../src/core/log-text.ts';

const FORGED = '2026-01-01T00:00:00.000Z canopy: agent 00000000-forged connected (corp.example)';

describe('log lines of canopy serve', () => {
  let service: HostileService;
  before(async () => { service = await startHostileService(); });
  after(async () => { await service.stop(); });

  test('a hello naming an agent id with escape sequences and bidi overrides cannot rewrite the log: the refusal is one line, escaped', async () => {
    const ws = new WebSocket(`${service.url.replace(/^http/, 'ws')}/relay/v1/connect`);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    // An unsigned JWT: the relay names its issuer when it is not an enrolled agent.
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const iss = `x\n${FORGED}\u001b[2K\u202e\u2066evil`;
    ws.send(JSON.stringify({ type: 'hello', version: 'test', assertion: `${part({ alg: 'EdDSA' })}.${part({ iss, sub: iss })}.AAAA` }));
    await new Promise((resolve) => ws.once('close', resolve));
    await service.process.waitForLine(/refused an agent connection/, 10_000);
    const lines = service.process.output;
    const refusal = lines.filter((line) => line.includes('refused an agent connection'));
    assert.equal(refusal.length, 1, refusal.join('\n'));
    assert.ok(!lines.some((line) => line.startsWith(FORGED)), lines.join('\n'));
    // eslint-disable-next-line no-control-regex -- the control characters are what is looked for
    assert.ok(!lines.some((line) => /[\u001b\u202e\u2066]/.test(line)), 'no raw escape or bidi control in the output');
    assert.match(refusal[0]!, /\\u202e\\u2066evil/);
  });

  test('each request is logged as a JSON line with the request id the client got', async () => {
    const token = await service.token();
    const response = await fetch(`${service.url}/v1.0/users?$filter=${encodeURIComponent("displayName eq 'a\nb'")}`, { headers: { authorization: `Bearer ${token}` } });
    const requestId = response.headers.get('request-id');
    assert.ok(requestId);
    await service.process.waitForLine(new RegExp(`"reqId":"${requestId}".*"statusCode":${response.status}`), 10_000);
    const line = service.process.output.find((l) => l.includes(`"reqId":"${requestId}"`) && l.includes('"statusCode"'));
    const entry = JSON.parse(line!) as { reqId: string; res: { statusCode: number } };
    assert.equal(entry.res.statusCode, response.status);
    // The client's newline is inside one JSON string, escaped; the line stays one line.
    const incoming = service.process.output.find((l) => l.includes(`"reqId":"${requestId}"`) && l.includes('"url"'));
    assert.ok(incoming && !/[\n\r]/.test(incoming), incoming);
  });

  test('escapeForLog: control characters, separators and bidi overrides as escapes; the rest as it is', () => {
    assert.equal(escapeForLog('a\nb\r\tc\u0000\u007f\u0085\u2028\u202eé✓'), 'a\\nb\\r\\tc\\u0000\\u007f\\u0085\\u2028\\u202eé✓');
  });
});
