/**
 * A throw-away Postgres database per test file: created with a unique name on the server
 * of CANOPY_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) and
 * dropped after, so parallel runs never collide. Each store a test opens gets a schema of
 * its own in it (`?schema=s_<random>`), so every store starts empty.
 *
 * No server reachable: the tests are skipped with a line saying why, unless CI is set.
 */
import { after } from 'node:test';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.CANOPY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** The test database's URL. */
  readonly url: string;
  /** A URL naming a fresh, empty schema of the test database. */
  freshSchemaUrl(): string;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates this test file's database (at module load, with top-level await, so that a file
 * can skip its tests when there is no server) and drops it when the file's tests are done.
 * Returns the reason to skip instead when no server answers.
 */
export async function createTestDatabase(): Promise<TestDatabase | { readonly skip: string }> {
  const name = `canopy_test_${randomBytes(6).toString('hex')}`;
  try {
    await admin((client) => client.query(`CREATE DATABASE ${name}`));
  } catch (error) {
    const why = `Postgres tests skipped: no server at ${ADMIN_URL} (${(error as Error).message}); set CANOPY_TEST_POSTGRES_URL`;
    if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(why, { cause: error });
    console.log(why);
    return { skip: why };
  }
  // FORCE (Postgres 13+): a connection a failed test left open does not keep the database.
  after(() => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    freshSchemaUrl() {
      const schemaUrl = new URL(url);
      schemaUrl.searchParams.set('schema', `s_${randomBytes(6).toString('hex')}`);
      return schemaUrl.toString();
    },
  };
}
