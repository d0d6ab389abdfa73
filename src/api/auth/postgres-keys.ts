/**
 * The token signing key of an installation on Postgres: one key shared by every `canopy
 * serve` node, so a token one node signs verifies on all. The first node to start creates
 * it (INSERT … ON CONFLICT DO NOTHING, then read back: every node ends with the same row).
 * It is as secret as the database's other contents (the admin client-secret hashes, the
 * sync secrets): protect the database and its backups accordingly (docs/postgres.md).
 */
import type pg from 'pg';
import type { JWK } from 'jose';
import { runPostgresMigrations, type PostgresMigration } from '../../directory/postgres/connect.ts';
import { generateSigningKey, signingKeyFromJwk, type SigningKey } from './keys.ts';

export const AUTH_POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    id: 'auth-001-signing-keys',
    sql: `CREATE TABLE auth_signing_keys (
  purpose TEXT PRIMARY KEY,
  private_jwk JSONB NOT NULL,
  created_date_time TEXT NOT NULL
);`,
  },
];

export async function loadOrCreateSharedSigningKey(pool: pg.Pool): Promise<SigningKey> {
  await runPostgresMigrations(pool, AUTH_POSTGRES_MIGRATIONS);
  const { privateJwk } = await generateSigningKey();
  await pool.query(`INSERT INTO auth_signing_keys (purpose, private_jwk, created_date_time) VALUES ('access-tokens', $1, $2)
    ON CONFLICT (purpose) DO NOTHING`, [JSON.stringify(privateJwk), new Date().toISOString()]);
  const { rows } = await pool.query<{ private_jwk: JWK }>("SELECT private_jwk FROM auth_signing_keys WHERE purpose = 'access-tokens'");
  return signingKeyFromJwk(rows[0]!.private_jwk);
}
