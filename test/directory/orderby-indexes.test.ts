/**
 * $orderby pages are index range reads (migration directory-008), on SQLite and Postgres: the
 * query plan of an ordered page, first and after a cursor, reads the order index and sorts
 * nothing. Before, every page sorted the tenant's live users (SQLite: "USE TEMP B-TREE FOR
 * ORDER BY"), so a page cost grew with the tenant, not with $top.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDirectoryStore, sqliteWriterOf } from '../../src/directory/sqlite/store.ts';
import { openPostgresDirectoryStore } from '../../src/directory/postgres/store.ts';
import { createTestDatabase } from '../support/postgres.ts';

/** The statements listOrdered runs (objects.ts), first page and after a cursor, ascending and descending. */
function orderedPages(table: string, column: string, mark: (n: number) => string, cast = ''): { sql: string; params: number }[] {
  const key = cast ? `coalesce(${column}, ''${cast})` : `coalesce(${column}, '') COLLATE NOCASE`;
  const where = `tenant_id = ${mark(1)} AND deleted_date_time IS NULL`;
  const value = (n: number) => `${mark(n)}${cast}`;
  return [
    { sql: `SELECT * FROM ${table} WHERE ${where} ORDER BY ${key} ASC, id ASC LIMIT ${mark(2)}`, params: 2 },
    { sql: `SELECT * FROM ${table} WHERE ${where} AND ${key} >= ${value(2)} AND (${key} > ${value(3)} OR id > ${mark(4)}) ORDER BY ${key} ASC, id ASC LIMIT ${mark(5)}`, params: 5 },
    { sql: `SELECT * FROM ${table} WHERE ${where} AND ${key} <= ${value(2)} AND (${key} < ${value(3)} OR id < ${mark(4)}) ORDER BY ${key} DESC, id DESC LIMIT ${mark(5)}`, params: 5 },
  ];
}

const ORDERED = [
  { table: 'directory_users', column: 'display_name', index: 'directory_users_order_display_name' },
  { table: 'directory_users', column: 'user_principal_name', index: 'directory_users_order_upn' },
  { table: 'directory_groups', column: 'display_name', index: 'directory_groups_order_display_name' },
];

const database = await createTestDatabase();

describe('$orderby pages read the order indexes', () => {
  test('SQLite: each ordered page searches the index, with no temp B-tree', () => {
    const dir = mkdtempSync(join(tmpdir(), 'canopy-orderby-'));
    const store = openSqliteDirectoryStore(join(dir, 'canopy.db'));
    try {
      const db = sqliteWriterOf(store)!;
      for (const { table, column, index } of ORDERED) {
        for (const { sql, params } of orderedPages(table, column, () => '?')) {
          const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array.from({ length: params }, () => 'x')) as { detail: string }[]).map((r) => r.detail);
          assert.ok(plan.some((d) => d.includes(`USING INDEX ${index}`)), `${sql}: ${JSON.stringify(plan)}`);
          assert.ok(!plan.some((d) => d.includes('TEMP B-TREE')), `${sql}: ${JSON.stringify(plan)}`);
        }
      }
      // A cursor page seeks past the cursor's value instead of walking from the start.
      const [, afterCursor] = orderedPages('directory_users', 'display_name', () => '?');
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${afterCursor!.sql}`).all('t', 'v', 'v', 'i', 10) as { detail: string }[]).map((r) => r.detail);
      assert.match(plan.join(' '), /tenant_id=\? AND <expr>>\?/);
    } finally {
      void store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Postgres: each ordered page can read the index without a sort', { skip: 'skip' in database ? database.skip : undefined }, async () => {
    if ('skip' in database) return;
    const store = await openPostgresDirectoryStore(database.freshSchemaUrl());
    const client = await store.pool.connect();
    after(async () => {
      client.release();
      await store.close();
    });
    // An empty table is cheapest to scan: forbid scans and sorts to see what the indexes allow.
    await client.query('SET enable_seqscan = off');
    await client.query('SET enable_sort = off');
    for (const { table, column, index } of ORDERED) {
      for (const { sql, params } of orderedPages(table, column, (n) => `$${n}`, '::citext')) {
        const values = Array.from({ length: params }, (_, i) => (i === params - 1 ? 10 : 'x'));
        const { rows } = await client.query(`EXPLAIN ${sql}`, values);
        const plan = rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
        assert.match(plan, new RegExp(`Index Scan(?: Backward)? using ${index}`), `${sql}\n${plan}`);
        assert.doesNotMatch(plan, /\bSort\b/, `${sql}\n${plan}`);
      }
    }
  });
});
