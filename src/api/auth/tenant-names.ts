/**
 * A tenant as the Microsoft identity platform accepts it in a path: its id (a GUID, any case)
 * or one of its verified domain names. A tenant's verified domains here are the AD domains
 * its cloud sync configurations name (their Domain secrets): the names its synced users'
 * UPNs end with, which Entra requires to be verified.
 */
import type { DirectoryReader } from '../../directory/store.ts';
import { domainOfSecrets } from '../synchronization-secrets.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The verified domain names of a tenant, lower-case, in service principal order. */
export async function verifiedDomainsOf(store: DirectoryReader, tenantId: string): Promise<string[]> {
  const domains: string[] = [];
  for (const sp of await store.listServicePrincipals(tenantId)) {
    const domain = domainOfSecrets(await store.getSynchronizationSecrets(tenantId, sp.id));
    if (domain && !domains.includes(domain.toLowerCase())) domains.push(domain.toLowerCase());
  }
  return domains;
}

/** The tenant id a path names, or undefined when no tenant has that id or domain. */
export async function resolveTenant(store: DirectoryReader, name: string): Promise<string | undefined> {
  if (GUID.test(name)) return (await store.getTenant(name.toLowerCase()))?.id ?? (await store.getTenant(name))?.id;
  const wanted = name.toLowerCase();
  // A deployment holds a handful of tenants, each a handful of configurations.
  for (const tenant of await store.listTenants()) {
    if ((await verifiedDomainsOf(store, tenant.id)).includes(wanted)) return tenant.id;
  }
  return undefined;
}
