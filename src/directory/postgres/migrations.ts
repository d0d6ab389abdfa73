import type { PostgresMigration } from './connect.ts';

/**
 * The directory's schema on Postgres: one step per SQLite step (sqlite/migrations.ts), with
 * the same id, so that test/directory/postgres-store.test.ts can check that none is missing.
 * Never edit a step that has shipped: add one.
 *
 * Types: `citext` where SQLite says COLLATE NOCASE (Graph compares those strings without
 * case), `boolean` for SQLite's 0/1, `jsonb` for the JSON text columns. Date-times stay ISO
 * 8601 text, as in SQLite: they are written in UTC with milliseconds, so text order is time
 * order, and the API returns exactly what was written.
 *
 * Keys that pages are ordered by (ids, source ids) are COLLATE "C": byte order, as SQLite
 * compares them, whatever the database's locale, and the same order for `>` and ORDER BY.
 *
 * One set of tables for all tenants, tenant_id first in every key: see docs/postgres.md for
 * why a tenant column rather than a schema per tenant.
 */
export const DIRECTORY_POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    id: 'directory-001-init',
    sql: `
CREATE TABLE directory_tenants (
  id TEXT COLLATE "C" PRIMARY KEY,
  display_name TEXT NOT NULL,
  created_date_time TEXT NOT NULL
);

CREATE TABLE directory_applications (
  tenant_id TEXT NOT NULL REFERENCES directory_tenants(id),
  id TEXT COLLATE "C" NOT NULL,
  app_id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  password_credentials JSONB NOT NULL,
  roles JSONB NOT NULL,
  created_date_time TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, app_id)
);

CREATE TABLE directory_service_principals (
  tenant_id TEXT NOT NULL REFERENCES directory_tenants(id),
  id TEXT COLLATE "C" NOT NULL,
  app_id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  app_display_name TEXT NOT NULL,
  service_principal_names JSONB NOT NULL,
  created_date_time TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE directory_users (
  tenant_id TEXT NOT NULL REFERENCES directory_tenants(id),
  id TEXT COLLATE "C" NOT NULL,
  created_date_time TEXT NOT NULL,
  deleted_date_time TEXT,
  user_principal_name CITEXT NOT NULL,
  display_name CITEXT,
  given_name CITEXT,
  surname CITEXT,
  mail CITEXT,
  mail_nickname CITEXT,
  proxy_addresses JSONB NOT NULL DEFAULT '[]',
  job_title CITEXT,
  department CITEXT,
  company_name CITEXT,
  office_location CITEXT,
  street_address CITEXT,
  city CITEXT,
  state CITEXT,
  postal_code CITEXT,
  country CITEXT,
  usage_location CITEXT,
  business_phones JSONB NOT NULL DEFAULT '[]',
  mobile_phone CITEXT,
  fax_number CITEXT,
  employee_id CITEXT,
  account_enabled BOOLEAN,
  on_premises_immutable_id TEXT,
  on_premises_sync_enabled BOOLEAN,
  on_premises_distinguished_name CITEXT,
  on_premises_sam_account_name CITEXT,
  on_premises_security_identifier TEXT,
  on_premises_domain_name CITEXT,
  on_premises_user_principal_name CITEXT,
  on_premises_last_sync_date_time TEXT,
  manager_id TEXT,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX directory_users_anchor ON directory_users (tenant_id, on_premises_immutable_id)
  WHERE on_premises_immutable_id IS NOT NULL;
CREATE UNIQUE INDEX directory_users_upn ON directory_users (tenant_id, user_principal_name)
  WHERE deleted_date_time IS NULL;
CREATE INDEX directory_users_dn ON directory_users (tenant_id, on_premises_distinguished_name);
CREATE INDEX directory_users_mail ON directory_users (tenant_id, mail);
CREATE INDEX directory_users_deleted ON directory_users (tenant_id, deleted_date_time, id);

CREATE TABLE directory_user_proxy_addresses (
  tenant_id TEXT NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  address CITEXT NOT NULL,
  PRIMARY KEY (tenant_id, user_id, address),
  FOREIGN KEY (tenant_id, user_id) REFERENCES directory_users(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX directory_user_proxy_addresses_address ON directory_user_proxy_addresses (tenant_id, address);

CREATE TABLE directory_groups (
  tenant_id TEXT NOT NULL REFERENCES directory_tenants(id),
  id TEXT COLLATE "C" NOT NULL,
  created_date_time TEXT NOT NULL,
  deleted_date_time TEXT,
  display_name CITEXT NOT NULL,
  description CITEXT,
  mail CITEXT,
  mail_enabled BOOLEAN NOT NULL,
  mail_nickname CITEXT,
  security_enabled BOOLEAN NOT NULL,
  group_types JSONB NOT NULL DEFAULT '[]',
  proxy_addresses JSONB NOT NULL DEFAULT '[]',
  on_premises_sync_enabled BOOLEAN,
  on_premises_sam_account_name CITEXT,
  on_premises_security_identifier TEXT,
  on_premises_domain_name CITEXT,
  on_premises_net_bios_name CITEXT,
  on_premises_last_sync_date_time TEXT,
  source_anchor TEXT,
  on_premises_distinguished_name CITEXT,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX directory_groups_anchor ON directory_groups (tenant_id, source_anchor)
  WHERE source_anchor IS NOT NULL;
CREATE INDEX directory_groups_dn ON directory_groups (tenant_id, on_premises_distinguished_name);
CREATE INDEX directory_groups_deleted ON directory_groups (tenant_id, deleted_date_time, id);

CREATE TABLE directory_memberships (
  tenant_id TEXT NOT NULL,
  group_id TEXT COLLATE "C" NOT NULL,
  member_id TEXT COLLATE "C" NOT NULL,
  member_type TEXT NOT NULL CHECK (member_type IN ('user', 'group')),
  PRIMARY KEY (tenant_id, group_id, member_id),
  FOREIGN KEY (tenant_id, group_id) REFERENCES directory_groups(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX directory_memberships_member ON directory_memberships (tenant_id, member_id, group_id);

CREATE TABLE directory_pending_references (
  tenant_id TEXT NOT NULL,
  group_id TEXT COLLATE "C" NOT NULL,
  reference CITEXT NOT NULL,
  created_date_time TEXT NOT NULL,
  PRIMARY KEY (tenant_id, group_id, reference),
  FOREIGN KEY (tenant_id, group_id) REFERENCES directory_groups(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX directory_pending_references_reference ON directory_pending_references (tenant_id, reference);

CREATE TABLE directory_sync_jobs (
  tenant_id TEXT NOT NULL REFERENCES directory_tenants(id),
  id TEXT COLLATE "C" NOT NULL,
  template_id TEXT NOT NULL,
  service_principal_id TEXT NOT NULL,
  schedule JSONB NOT NULL,
  status JSONB NOT NULL,
  settings JSONB NOT NULL,
  schema_json JSONB,
  created_date_time TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE directory_sync_secrets (
  tenant_id TEXT NOT NULL REFERENCES directory_tenants(id),
  service_principal_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (tenant_id, service_principal_id, key)
);

CREATE TABLE directory_watermarks (
  tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  watermark TEXT NOT NULL,
  updated_date_time TEXT NOT NULL,
  PRIMARY KEY (tenant_id, job_id)
);

CREATE TABLE directory_escrows (
  tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  source_id TEXT COLLATE "C" NOT NULL,
  object_type TEXT NOT NULL,
  error JSONB NOT NULL,
  attempts INTEGER NOT NULL,
  first_failed_date_time TEXT NOT NULL,
  last_failed_date_time TEXT NOT NULL,
  PRIMARY KEY (tenant_id, job_id, source_id)
);

CREATE TABLE directory_provisioning_logs (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  activity_date_time TEXT NOT NULL,
  job_id TEXT NOT NULL,
  cycle_id TEXT NOT NULL,
  source_id TEXT COLLATE "C" NOT NULL,
  body JSONB NOT NULL
);
CREATE INDEX directory_provisioning_logs_tenant ON directory_provisioning_logs (tenant_id, seq);
CREATE INDEX directory_provisioning_logs_job ON directory_provisioning_logs (tenant_id, job_id, seq);
CREATE INDEX directory_provisioning_logs_cycle ON directory_provisioning_logs (tenant_id, cycle_id, seq);
CREATE INDEX directory_provisioning_logs_source ON directory_provisioning_logs (tenant_id, source_id, seq);
CREATE INDEX directory_provisioning_logs_time ON directory_provisioning_logs (tenant_id, activity_date_time);
`,
  },
  {
    id: 'directory-002-upn-lookup-index',
    sql: 'CREATE INDEX directory_users_upn_lookup ON directory_users (tenant_id, user_principal_name);',
  },
  {
    // As SQLite's directory-003: configurations made by instantiate, and the tenant sync flag.
    id: 'directory-003-configurations-and-sync-flag',
    sql: `
ALTER TABLE directory_service_principals ADD COLUMN application_template_id TEXT;
ALTER TABLE directory_tenants ADD COLUMN on_premises_sync_enabled BOOLEAN;
UPDATE directory_tenants SET on_premises_sync_enabled = TRUE
  WHERE EXISTS (SELECT 1 FROM directory_sync_jobs j WHERE j.tenant_id = directory_tenants.id);
`,
  },
  {
    // As SQLite's directory-004: directReports finds users by manager.
    id: 'directory-004-manager-index',
    sql: 'CREATE INDEX directory_users_manager ON directory_users (tenant_id, manager_id);',
  },
  {
    // As SQLite's directory-005: directory extension values of users.
    id: 'directory-005-user-directory-extensions',
    sql: 'ALTER TABLE directory_users ADD COLUMN directory_extensions TEXT;',
  },
  {
    // As SQLite's directory-006: synced password hashes (PPH1 strings) apart from the users.
    id: 'directory-006-user-password-hashes',
    sql: `
CREATE TABLE directory_user_password_hashes (
  tenant_id TEXT NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  credential_data TEXT NOT NULL,
  synced_date_time TEXT NOT NULL,
  PRIMARY KEY (tenant_id, user_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES directory_users(tenant_id, id) ON DELETE CASCADE
);
-- Source anchors whose password hash arrived before any cloud user held them (no hash kept).
CREATE TABLE directory_password_hash_pending (
  tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  source_anchor TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (tenant_id, job_id, source_anchor)
);
`,
  },
  {
    // As SQLite's directory-007: extensionAttribute1–15 of users (onPremisesExtensionAttributes).
    id: 'directory-007-user-extension-attributes',
    sql: 'ALTER TABLE directory_users ADD COLUMN on_premises_extension_attributes TEXT;',
  },
  {
    // As SQLite's directory-008: the $orderby keyset expression of objects.ts over live objects.
    id: 'directory-008-orderby-indexes',
    sql: `
CREATE INDEX directory_users_order_display_name ON directory_users (tenant_id, coalesce(display_name, ''::citext), id) WHERE deleted_date_time IS NULL;
CREATE INDEX directory_users_order_upn ON directory_users (tenant_id, coalesce(user_principal_name, ''::citext), id) WHERE deleted_date_time IS NULL;
CREATE INDEX directory_groups_order_display_name ON directory_groups (tenant_id, coalesce(display_name, ''::citext), id) WHERE deleted_date_time IS NULL;
`,
  },
];
