/** Tenants, applications (client credentials) and service principals. */
import type { Application, ServicePrincipal, Tenant } from '../types.ts';
import type { Queryable } from './connect.ts';
import type { TenantChange } from '../store.ts';

interface TenantRow { id: string; display_name: string; created_date_time: string; on_premises_sync_enabled: boolean | null }
const tenantOf = (row: TenantRow): Tenant => ({
  id: row.id, displayName: row.display_name, createdDateTime: row.created_date_time, onPremisesSyncEnabled: row.on_premises_sync_enabled,
});

export async function getTenant(db: Queryable, tenantId: string): Promise<Tenant | undefined> {
  const { rows } = await db.query<TenantRow>('SELECT * FROM directory_tenants WHERE id = $1', [tenantId]);
  return rows[0] ? tenantOf(rows[0]) : undefined;
}

export async function listTenants(db: Queryable): Promise<Tenant[]> {
  return (await db.query<TenantRow>('SELECT * FROM directory_tenants ORDER BY created_date_time, id')).rows.map(tenantOf);
}

export async function createTenant(db: Queryable, tenant: Tenant): Promise<void> {
  await db.query('INSERT INTO directory_tenants (id, display_name, created_date_time, on_premises_sync_enabled) VALUES ($1, $2, $3, $4)',
    [tenant.id, tenant.displayName, tenant.createdDateTime, tenant.onPremisesSyncEnabled ?? null]);
}

export async function updateTenant(db: Queryable, tenantId: string, changes: TenantChange): Promise<boolean> {
  if (changes.onPremisesSyncEnabled === undefined) return (await getTenant(db, tenantId)) !== undefined;
  const result = await db.query('UPDATE directory_tenants SET on_premises_sync_enabled = $1 WHERE id = $2', [changes.onPremisesSyncEnabled, tenantId]);
  return (result.rowCount ?? 0) > 0;
}

interface ApplicationRow {
  tenant_id: string; id: string; app_id: string; display_name: string;
  password_credentials: Application['passwordCredentials']; roles: string[]; created_date_time: string;
}

export async function getApplicationByAppId(db: Queryable, tenantId: string, appId: string): Promise<Application | undefined> {
  const row = (await db.query<ApplicationRow>('SELECT * FROM directory_applications WHERE tenant_id = $1 AND app_id = $2', [tenantId, appId])).rows[0];
  if (!row) return undefined;
  return {
    tenantId: row.tenant_id,
    id: row.id,
    appId: row.app_id,
    displayName: row.display_name,
    passwordCredentials: row.password_credentials,
    roles: row.roles,
    createdDateTime: row.created_date_time,
  };
}

export async function createApplication(db: Queryable, app: Application): Promise<void> {
  await db.query(`INSERT INTO directory_applications (tenant_id, id, app_id, display_name, password_credentials, roles, created_date_time)
    VALUES ($1, $2, $3, $4, $5, $6, $7)`, [app.tenantId, app.id, app.appId, app.displayName, JSON.stringify(app.passwordCredentials), JSON.stringify(app.roles), app.createdDateTime]);
}

interface ServicePrincipalRow {
  tenant_id: string; id: string; app_id: string; display_name: string; app_display_name: string;
  service_principal_names: string[]; created_date_time: string; application_template_id: string | null;
}

const servicePrincipalOf = (row: ServicePrincipalRow): ServicePrincipal => ({
  tenantId: row.tenant_id,
  id: row.id,
  appId: row.app_id,
  displayName: row.display_name,
  appDisplayName: row.app_display_name,
  servicePrincipalNames: row.service_principal_names,
  createdDateTime: row.created_date_time,
  applicationTemplateId: row.application_template_id,
});

export async function getServicePrincipal(db: Queryable, tenantId: string, id: string): Promise<ServicePrincipal | undefined> {
  const { rows } = await db.query<ServicePrincipalRow>('SELECT * FROM directory_service_principals WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return rows[0] ? servicePrincipalOf(rows[0]) : undefined;
}

export async function listServicePrincipals(db: Queryable, tenantId: string): Promise<ServicePrincipal[]> {
  return (await db.query<ServicePrincipalRow>('SELECT * FROM directory_service_principals WHERE tenant_id = $1 ORDER BY id', [tenantId])).rows.map(servicePrincipalOf);
}

export async function createServicePrincipal(db: Queryable, sp: ServicePrincipal): Promise<void> {
  await db.query(`INSERT INTO directory_service_principals
    (tenant_id, id, app_id, display_name, app_display_name, service_principal_names, created_date_time, application_template_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  [sp.tenantId, sp.id, sp.appId, sp.displayName, sp.appDisplayName, JSON.stringify(sp.servicePrincipalNames), sp.createdDateTime, sp.applicationTemplateId ?? null]);
}
