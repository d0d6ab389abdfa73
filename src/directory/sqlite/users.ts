/**
 * Users: the generic object table plus a side table of proxyAddresses, indexed so that soft
 * match on an SMTP address is one index lookup, not a scan of every user's JSON.
 */
import type { SqliteDatabase } from './open-database.ts';
import type { DirectoryUser, NewUser } from '../types.ts';
import type { UserBatchLookup, UserChange, UserLookup } from '../store.ts';
import { USER_PROPERTIES } from '../properties.ts';
import { createObjects, findObjectBy, getObject, toRecord, updateObject, type ObjectTable } from './objects.ts';
import { all, get, placeholders, run } from './sql.ts';

export const USERS: ObjectTable = Object.freeze({
  table: 'directory_users',
  properties: USER_PROPERTIES,
  defaults: {},
});

function writeProxyAddresses(db: SqliteDatabase, tenantId: string, userId: string, addresses: readonly string[], fresh = false): void {
  if (!fresh) run(db, 'DELETE FROM directory_user_proxy_addresses WHERE tenant_id = ? AND user_id = ?', [tenantId, userId]);
  for (const address of new Set(addresses.map((a) => a.toLowerCase()))) {
    run(db, 'INSERT OR IGNORE INTO directory_user_proxy_addresses (tenant_id, user_id, address) VALUES (?, ?, ?)', [tenantId, userId, address]);
  }
}

export function createUsers(db: SqliteDatabase, tenantId: string, users: readonly NewUser[], now: string): DirectoryUser[] {
  const created = createObjects<DirectoryUser>(db, USERS, tenantId, users, now);
  for (const user of created) {
    if (user.proxyAddresses.length > 0) writeProxyAddresses(db, tenantId, user.id, user.proxyAddresses, true);
  }
  return created;
}

export function updateUsers(db: SqliteDatabase, tenantId: string, changes: readonly UserChange[]): DirectoryUser[] {
  const updated: DirectoryUser[] = [];
  for (const change of changes) {
    const user = updateObject<DirectoryUser>(db, USERS, tenantId, change);
    if (!user) continue;
    if (change.proxyAddresses !== undefined) writeProxyAddresses(db, tenantId, change.id, change.proxyAddresses);
    updated.push(user);
  }
  return updated;
}

export function findUser(db: SqliteDatabase, tenantId: string, lookup: UserLookup): DirectoryUser | undefined {
  if ('proxyAddress' in lookup) {
    const row = get<{ user_id: string }>(
      db,
      `SELECT p.user_id FROM directory_user_proxy_addresses p JOIN directory_users u ON u.tenant_id = p.tenant_id AND u.id = p.user_id
       WHERE p.tenant_id = ? AND p.address = ? ORDER BY u.deleted_date_time IS NOT NULL, u.id LIMIT 1`,
      [tenantId, lookup.proxyAddress.toLowerCase()],
    );
    return row ? getObject<DirectoryUser>(db, USERS, tenantId, row.user_id, true) : undefined;
  }
  const [property, value] = Object.entries(lookup)[0] as [string, string];
  return findObjectBy<DirectoryUser>(db, USERS, tenantId, property, value);
}

const FIND_CHUNK = 500;

/** findUser for many values of one key: `IN (…)` chunks through the same indexes. */
const COLUMN_OF = { mail: 'mail', userPrincipalName: 'user_principal_name', onPremisesImmutableId: 'on_premises_immutable_id' } as const;

export function findUsers(db: SqliteDatabase, tenantId: string, lookup: UserBatchLookup): DirectoryUser[] {
  const values = [...new Set(lookup.by === 'proxyAddress' ? lookup.values.map((v) => v.toLowerCase()) : lookup.values)];
  const found = new Map<string, DirectoryUser>();
  for (let i = 0; i < values.length; i += FIND_CHUNK) {
    const chunk = values.slice(i, i + FIND_CHUNK);
    const sql = lookup.by === 'proxyAddress'
      ? `SELECT DISTINCT u.* FROM directory_user_proxy_addresses p JOIN directory_users u ON u.tenant_id = p.tenant_id AND u.id = p.user_id
         WHERE p.tenant_id = ? AND p.address IN (${placeholders(chunk.length)})`
      : `SELECT * FROM directory_users WHERE tenant_id = ? AND ${COLUMN_OF[lookup.by]} IN (${placeholders(chunk.length)})`;
    for (const row of all(db, sql, [tenantId, ...chunk])) {
      const user = toRecord<DirectoryUser>(USERS, row);
      found.set(user.id, user);
    }
  }
  return [...found.values()];
}
