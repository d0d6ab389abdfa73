/**
 * Opening a Postgres store: the connection URL, the schema that holds Canopy's tables, and
 * the migrations. Several `canopy serve` nodes start against one database at once, so
 * migrations run under an advisory lock: the first node applies them, the others wait and
 * find them applied.
 */
import pg from 'pg';
import { CanopyError } from '../../core/errors.ts';

/** A pool or a client checked out of it: both run queries (node-postgres' `query`). */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>>;
}

/** One schema step, as in the SQLite adapter; ids match the SQLite step they follow. */
export interface PostgresMigration {
  readonly id: string;
  readonly sql: string;
}

export interface PostgresLocation {
  /** The URL node-postgres connects with (the `schema` parameter taken out). */
  readonly connectionString: string;
  /** The schema holding Canopy's tables (`public` unless `?schema=` names another). */
  readonly schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Parses `postgres://user@host:port/db?schema=name`. `schema` is ours: node-postgres does not
 * know it, so it is taken out here. Lower-case identifiers only, so that the name never
 * needs quoting in `search_path`.
 */
export function parsePostgresUrl(url: string, option = '--store'): PostgresLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CanopyError('ERR_CONFIG_INVALID', `${option}: not a URL: ${JSON.stringify(url)} (expected postgres://user@host:5432/database)`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new CanopyError('ERR_CONFIG_INVALID', `${option}: expected a postgres:// URL, got ${parsed.protocol}//`);
  }
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new CanopyError('ERR_CONFIG_INVALID', `${option}: schema ${JSON.stringify(schema)} must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)`);
  }
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
}

/** An arbitrary constant of Canopy's: the advisory lock taken while migrating. */
const MIGRATION_LOCK = 0x63616e6f; // 'cano'

/**
 * Creates the schema when missing and makes sure the citext extension is there
 * (case-insensitive text, the counterpart of SQLite's COLLATE NOCASE), under the advisory
 * lock. Returns the search_path every connection must use: our schema, then citext's.
 */
export async function preparePostgres(location: PostgresLocation): Promise<string> {
  const client = new pg.Client({ connectionString: location.connectionString });
  await client.connect();
  try {
    return await locked(client, async () => {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${location.schema}`);
      const existing = await client.query<{ schema: string }>(
        "SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'citext'",
      );
      let citextSchema = existing.rows[0]?.schema;
      if (citextSchema === undefined) {
        await client.query(`CREATE EXTENSION citext WITH SCHEMA ${location.schema}`);
        citextSchema = location.schema;
      }
      return citextSchema === location.schema ? location.schema : `${location.schema},${citextSchema}`;
    });
  } finally {
    await client.end();
  }
}

/** One transaction holding the advisory lock: concurrent starts apply each step once. */
async function locked<T>(client: Queryable, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const value = await work();
    await client.query('COMMIT');
    return value;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Applies the steps not yet recorded in schema_migrations, in one transaction (Postgres DDL
 * is transactional: a failed step leaves none of them). Several parts (directory, engine,
 * relay) keep their own lists in one schema; ids keep them apart.
 */
export async function runPostgresMigrations(pool: pg.Pool, migrations: readonly PostgresMigration[]): Promise<void> {
  const client = await pool.connect();
  try {
    await locked(client, async () => {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
      const applied = new Set((await client.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((row) => row.id));
      for (const migration of migrations) {
        if (applied.has(migration.id)) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [migration.id, new Date().toISOString()]);
      }
    });
  } finally {
    client.release();
  }
}

export interface PostgresPoolOptions {
  /** Connections per node (node-postgres' default is 10). */
  readonly max?: number;
}

/** A pool whose every connection uses Canopy's search_path. */
export function openPool(location: PostgresLocation, searchPath: string, options: PostgresPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: location.connectionString,
    options: `-c search_path=${searchPath}`,
    max: options.max ?? 10,
  });
  // An idle connection the server drops (restart, failover) emits 'error' on the pool; without
  // a listener that would end the process. The next query gets a fresh connection.
  pool.on('error', () => undefined);
  return pool;
}
