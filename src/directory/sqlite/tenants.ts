/** Tenants, applications (client credentials) and service principals. */
import type { SqliteDatabase } from './open-database.ts';
import type { Application, ServicePrincipal, Tenant } from '../types.ts';
import type { TenantChange } from '../store.ts';
import { all, get, run } from './sql.ts';

interface TenantRow { id: string; display_name: string; created_date_time: string; on_premises_sync_enabled: number | null }
const tenantOf = (row: TenantRow): Tenant => ({
  id: row.id,
  displayName: row.display_name,
  createdDateTime: row.created_date_time,
  onPremisesSyncEnabled: row.on_premises_sync_enabled === null ? null : row.on_premises_sync_enabled === 1,
});

export function getTenant(db: SqliteDatabase, tenantId: string): Tenant | undefined {
  const row = get<TenantRow>(db, 'SELECT * FROM directory_tenants WHERE id = ?', [tenantId]);
  return row ? tenantOf(row) : undefined;
}

export function listTenants(db: SqliteDatabase): Tenant[] {
  return all<TenantRow>(db, 'SELECT * FROM directory_tenants ORDER BY created_date_time, id', []).map(tenantOf);
}

export function createTenant(db: SqliteDatabase, tenant: Tenant): void {
  run(db, 'INSERT INTO directory_tenants (id, display_name, created_date_time, on_premises_sync_enabled) VALUES (?, ?, ?, ?)',
    [tenant.id, tenant.displayName, tenant.createdDateTime, flag(tenant.onPremisesSyncEnabled)]);
}

const flag = (value: boolean | null | undefined): number | null => (value === undefined || value === null ? null : value ? 1 : 0);

export function updateTenant(db: SqliteDatabase, tenantId: string, changes: TenantChange): boolean {
  if (changes.onPremisesSyncEnabled === undefined) return getTenant(db, tenantId) !== undefined;
  return run(db, 'UPDATE directory_tenants SET on_premises_sync_enabled = ? WHERE id = ?', [flag(changes.onPremisesSyncEnabled), tenantId]) > 0;
}

interface ApplicationRow { tenant_id: string; id: string; app_id: string; display_name: string; password_credentials: string; roles: string; created_date_time: string }

export function getApplicationByAppId(db: SqliteDatabase, tenantId: string, appId: string): Application | undefined {
  const row = get<ApplicationRow>(db, 'SELECT * FROM directory_applications WHERE tenant_id = ? AND app_id = ?', [tenantId, appId]);
  if (!row) return undefined;
  return {
    tenantId: row.tenant_id,
    id: row.id,
    appId: row.app_id,
    displayName: row.display_name,
    passwordCredentials: JSON.parse(row.password_credentials),
    roles: JSON.parse(row.roles),
    createdDateTime: row.created_date_time,
  };
}

export function createApplication(db: SqliteDatabase, app: Application): void {
  run(db, `INSERT INTO directory_applications (tenant_id, id, app_id, display_name, password_credentials, roles, created_date_time)
    VALUES (?, ?, ?, ?, ?, ?, ?)`, [app.tenantId, app.id, app.appId, app.displayName, JSON.stringify(app.passwordCredentials), JSON.stringify(app.roles), app.createdDateTime]);
}

interface ServicePrincipalRow {
  tenant_id: string; id: string; app_id: string; display_name: string; app_display_name: string; service_principal_names: string;
  created_date_time: string; application_template_id: string | null;
}

const servicePrincipalOf = (row: ServicePrincipalRow): ServicePrincipal => ({
  tenantId: row.tenant_id,
  id: row.id,
  appId: row.app_id,
  displayName: row.display_name,
  appDisplayName: row.app_display_name,
  servicePrincipalNames: JSON.parse(row.service_principal_names),
  createdDateTime: row.created_date_time,
  applicationTemplateId: row.application_template_id,
});

export function getServicePrincipal(db: SqliteDatabase, tenantId: string, id: string): ServicePrincipal | undefined {
  const row = get<ServicePrincipalRow>(db, 'SELECT * FROM directory_service_principals WHERE tenant_id = ? AND id = ?', [tenantId, id]);
  return row ? servicePrincipalOf(row) : undefined;
}

export function listServicePrincipals(db: SqliteDatabase, tenantId: string): ServicePrincipal[] {
  return all<ServicePrincipalRow>(db, 'SELECT * FROM directory_service_principals WHERE tenant_id = ? ORDER BY id', [tenantId]).map(servicePrincipalOf);
}

export function createServicePrincipal(db: SqliteDatabase, sp: ServicePrincipal): void {
  run(db, `INSERT INTO directory_service_principals
    (tenant_id, id, app_id, display_name, app_display_name, service_principal_names, created_date_time, application_template_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  [sp.tenantId, sp.id, sp.appId, sp.displayName, sp.appDisplayName, JSON.stringify(sp.servicePrincipalNames), sp.createdDateTime, sp.applicationTemplateId ?? null]);
}
