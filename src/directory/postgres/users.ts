/**
 * Users on Postgres: the object table plus the proxy-address side table (soft match on an
 * SMTP address is one index lookup), as in sqlite/users.ts.
 */
import type { DirectoryUser, NewUser } from '../types.ts';
import type { UserBatchLookup, UserChange, UserLookup } from '../store.ts';
import { USERS } from '../sqlite/users.ts';
import type { Queryable } from './connect.ts';
import { createObjects, findObjectBy, toRecord, updateObject } from './objects.ts';

export { USERS };

async function writeProxyAddresses(db: Queryable, tenantId: string, userIds: readonly string[], addresses: readonly (readonly string[])[], fresh: boolean): Promise<void> {
  if (!fresh) await db.query('DELETE FROM directory_user_proxy_addresses WHERE tenant_id = $1 AND user_id = ANY($2)', [tenantId, [...userIds]]);
  const owners: string[] = [];
  const values: string[] = [];
  userIds.forEach((id, i) => {
    for (const address of new Set(addresses[i]!.map((a) => a.toLowerCase()))) {
      owners.push(id);
      values.push(address);
    }
  });
  if (values.length === 0) return;
  await db.query(`INSERT INTO directory_user_proxy_addresses (tenant_id, user_id, address)
    SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING`, [tenantId, owners, values]);
}

export async function createUsers(db: Queryable, tenantId: string, users: readonly NewUser[], now: string): Promise<DirectoryUser[]> {
  const created = await createObjects<DirectoryUser>(db, USERS, tenantId, users, now);
  const withAddresses = created.filter((u) => u.proxyAddresses.length > 0);
  await writeProxyAddresses(db, tenantId, withAddresses.map((u) => u.id), withAddresses.map((u) => u.proxyAddresses), true);
  return created;
}

export async function updateUsers(db: Queryable, tenantId: string, changes: readonly UserChange[]): Promise<DirectoryUser[]> {
  const updated: DirectoryUser[] = [];
  for (const change of changes) {
    const user = await updateObject<DirectoryUser>(db, USERS, tenantId, change);
    if (!user) continue;
    if (change.proxyAddresses !== undefined) await writeProxyAddresses(db, tenantId, [change.id], [change.proxyAddresses], false);
    updated.push(user);
  }
  return updated;
}

export async function findUser(db: Queryable, tenantId: string, lookup: UserLookup): Promise<DirectoryUser | undefined> {
  if ('proxyAddress' in lookup) {
    const { rows } = await db.query(
      `SELECT u.* FROM directory_user_proxy_addresses p JOIN directory_users u ON u.tenant_id = p.tenant_id AND u.id = p.user_id
       WHERE p.tenant_id = $1 AND p.address = $2 ORDER BY u.deleted_date_time IS NOT NULL, u.id LIMIT 1`,
      [tenantId, lookup.proxyAddress.toLowerCase()],
    );
    return rows[0] ? toRecord<DirectoryUser>(USERS, rows[0]) : undefined;
  }
  const [property, value] = Object.entries(lookup)[0] as [string, string];
  return findObjectBy<DirectoryUser>(db, USERS, tenantId, property, value);
}

/** findUser for many values of one key: one `= ANY($2)` through the same indexes. */
export async function findUsers(db: Queryable, tenantId: string, lookup: UserBatchLookup): Promise<DirectoryUser[]> {
  const values = [...new Set(lookup.by === 'proxyAddress' ? lookup.values.map((v) => v.toLowerCase()) : lookup.values)];
  if (values.length === 0) return [];
  const sql = lookup.by === 'proxyAddress'
    ? `SELECT DISTINCT u.* FROM directory_user_proxy_addresses p JOIN directory_users u ON u.tenant_id = p.tenant_id AND u.id = p.user_id
       WHERE p.tenant_id = $1 AND p.address = ANY($2::citext[])`
    : lookup.by === 'onPremisesImmutableId'
      // Anchors are base64: compared exactly.
      ? 'SELECT * FROM directory_users WHERE tenant_id = $1 AND on_premises_immutable_id = ANY($2::text[])'
      : `SELECT * FROM directory_users WHERE tenant_id = $1 AND ${lookup.by === 'mail' ? 'mail' : 'user_principal_name'} = ANY($2::citext[])`;
  const { rows } = await db.query(sql, [tenantId, values]);
  return rows.map((row) => toRecord<DirectoryUser>(USERS, row));
}

