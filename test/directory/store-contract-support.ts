/** Shared by the store contract files. */
import { randomUUID } from 'node:crypto';
import type { DirectoryStore } from '../../src/directory/store.ts';

export type StoreFactory = () => Promise<DirectoryStore>;

/** A store with two tenants, A and B, ready for a test; closed afterwards. */
export async function withTenants(makeStore: StoreFactory, body: (store: DirectoryStore, a: string, b: string) => Promise<void>): Promise<void> {
  const store = await makeStore();
  const a = randomUUID();
  const b = randomUUID();
  await store.transaction(async (tx) => {
    await tx.createTenant({ id: a, displayName: 'Tenant A', createdDateTime: new Date().toISOString() });
    await tx.createTenant({ id: b, displayName: 'Tenant B', createdDateTime: new Date().toISOString() });
  });
  try {
    await body(store, a, b);
  } finally {
    await store.close();
  }
}
