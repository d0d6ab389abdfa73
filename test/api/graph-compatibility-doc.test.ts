/**
 * docs/graph-compatibility.md against the routes the API registers: no row that claims a
 * route the API lacks, no registered route without a row, and the same routes under /v1.0
 * and /beta. The document cannot drift from the code without this test failing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { canopyApiPlugin } from '../../src/api/app.ts';
import type { RouteTable } from '../../src/api/route-table.ts';
import { startApiFixture } from './support/api-fixture.ts';

const DOC = join(import.meta.dirname, '../../docs/graph-compatibility.md');
const normalise = (path: string) => path.replace(/:[A-Za-z0-9_]+|\{[^}]*\}/g, '{}');

function documentedRoutes(): { key: string; supported: boolean }[] {
  const rows: { key: string; supported: boolean }[] = [];
  for (const line of readFileSync(DOC, 'utf8').split('\n')) {
    const match = /^\| (GET|POST|PUT|PATCH|DELETE) \| (\S+) \| (supported|partial|not supported) \|/.exec(line);
    if (match) rows.push({ key: `${match[1]} ${normalise(match[2]!)}`, supported: match[3] !== 'not supported' });
  }
  return rows;
}

test('docs/graph-compatibility.md lists exactly the registered routes, under /v1.0 and /beta alike', async () => {
  const f = await startApiFixture();
  const app = Fastify();
  const tables = new Map<string, RouteTable>();
  await app.register(canopyApiPlugin, { store: f.store, auth: f.signer, onRoutes: (prefix, table) => tables.set(prefix, table) });
  try {
    await app.ready();
    assert.deepEqual([...tables.keys()].sort(), ['/beta', '/v1.0']);
    const routesOf = (prefix: string) => new Set(tables.get(prefix)!.routes().map((r) => `${r.method} ${normalise(r.path)}`));
    const [v1, beta] = [routesOf('/v1.0'), routesOf('/beta')];
    assert.deepEqual([...beta].sort(), [...v1].sort(), '/beta serves the routes of /v1.0');
    const rows = documentedRoutes();
    assert.ok(rows.length > 30);
    for (const row of rows) {
      assert.equal(v1.has(row.key), row.supported, `${row.key} is documented as ${row.supported ? 'supported' : 'not supported'}`);
    }
    const documented = new Set(rows.map((r) => r.key));
    for (const route of v1) assert.ok(documented.has(route), `${route} is registered but not in docs/graph-compatibility.md`);
    // And the registered routes answer: a documented-unsupported one is Graph's 400 or 405.
    const unknown = await app.inject({ method: 'GET', url: '/v1.0/applications', headers: { authorization: 'Bearer x' } });
    assert.equal(unknown.statusCode, 401, 'authentication comes first, even for unknown routes');
  } finally {
    await app.close();
    await f.close();
  }
});
