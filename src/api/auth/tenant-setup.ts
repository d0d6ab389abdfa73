/**
 * Creates a tenant with what a new Entra tenant has for us: an admin application with a
 * client secret (client credentials for the Graph API) and the cloud sync service principal.
 */
import { randomUUID } from 'node:crypto';
import type { DirectoryStore } from '../../directory/store.ts';
import { generateSecret, hashSecret } from './secret-hash.ts';

/** The app id of Entra's cloud sync template application (entra-docs concept-attributes). */
export const CLOUD_SYNC_TEMPLATE_APP_ID = '1a4721b3-e57f-4451-ae87-ef078703ec94';
export const CLOUD_SYNC_APP_DISPLAY_NAME = 'Active Directory to Azure Active Directory Provisioning';

/** Application permissions granted to the admin application (Graph permission names). */
export const ADMIN_ROLES: readonly string[] = Object.freeze([
  'Directory.ReadWrite.All',
  'User.ReadWrite.All',
  'Group.ReadWrite.All',
  'Synchronization.ReadWrite.All',
  'Application.ReadWrite.All',
  'AuditLog.Read.All',
]);

export interface TenantCredentials {
  readonly tenantId: string;
  readonly clientId: string;
  /** Shown once; the store keeps only its hash. */
  readonly clientSecret: string;
  readonly servicePrincipalId: string;
}

export async function createTenantWithAdmin(store: DirectoryStore, options: { displayName?: string; now?: Date } = {}): Promise<TenantCredentials> {
  const now = (options.now ?? new Date()).toISOString();
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const clientSecret = generateSecret();
  const servicePrincipalId = randomUUID();
  const secretHash = await hashSecret(clientSecret);
  await store.transaction(async (tx) => {
    await tx.createTenant({ id: tenantId, displayName: options.displayName ?? 'Canopy', createdDateTime: now });
    await tx.createApplication({
      tenantId,
      id: randomUUID(),
      appId: clientId,
      displayName: 'Canopy administration',
      passwordCredentials: [{ keyId: randomUUID(), hint: clientSecret.slice(0, 3), secretHash, endDateTime: null }],
      roles: ADMIN_ROLES,
      createdDateTime: now,
    });
    await tx.createServicePrincipal({
      tenantId,
      id: servicePrincipalId,
      appId: CLOUD_SYNC_TEMPLATE_APP_ID,
      displayName: CLOUD_SYNC_APP_DISPLAY_NAME,
      appDisplayName: CLOUD_SYNC_APP_DISPLAY_NAME,
      servicePrincipalNames: [CLOUD_SYNC_TEMPLATE_APP_ID],
      createdDateTime: now,
    });
  });
  return { tenantId, clientId, clientSecret, servicePrincipalId };
}
