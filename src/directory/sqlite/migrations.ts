import type { Migration } from './open-database.ts';

/**
 * The directory's schema steps. Never edit a step that has shipped: add one. Every table is
 * keyed by tenant_id first, so each query is tenant-scoped by its index. Text that Graph
 * compares case-insensitively (UPN, mail, names) is COLLATE NOCASE; anchors, SIDs and ids
 * are exact (base64 is case-sensitive).
 */
export const DIRECTORY_MIGRATIONS: readonly Migration[] = [
  {
    id: 'directory-001-init',
    sql: `
CREATE TABLE directory_tenants (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  created_date_time TEXT NOT NULL
);

CREATE TABLE directory_applications (
  tenant_id TEXT NOT NULL REFERENCES directory_tenants(id),
  id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  password_credentials TEXT NOT NULL,
  roles TEXT NOT NULL,
  created_date_time TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, app_id)
);

CREATE TABLE directory_service_principals (
  tenant_id TEXT NOT NULL REFERENCES directory_tenants(id),
  id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  app_display_name TEXT NOT NULL,
  service_principal_names TEXT NOT NULL,
  created_date_time TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE directory_users (
  tenant_id TEXT NOT NULL REFERENCES directory_tenants(id),
  id TEXT NOT NULL,
  created_date_time TEXT NOT NULL,
  deleted_date_time TEXT,
  user_principal_name TEXT NOT NULL COLLATE NOCASE,
  display_name TEXT COLLATE NOCASE,
  given_name TEXT COLLATE NOCASE,
  surname TEXT COLLATE NOCASE,
  mail TEXT COLLATE NOCASE,
  mail_nickname TEXT COLLATE NOCASE,
  proxy_addresses TEXT NOT NULL DEFAULT '[]',
  job_title TEXT COLLATE NOCASE,
  department TEXT COLLATE NOCASE,
  company_name TEXT COLLATE NOCASE,
  office_location TEXT COLLATE NOCASE,
  street_address TEXT COLLATE NOCASE,
  city TEXT COLLATE NOCASE,
  state TEXT COLLATE NOCASE,
  postal_code TEXT COLLATE NOCASE,
  country TEXT COLLATE NOCASE,
  usage_location TEXT COLLATE NOCASE,
  business_phones TEXT NOT NULL DEFAULT '[]',
  mobile_phone TEXT COLLATE NOCASE,
  fax_number TEXT COLLATE NOCASE,
  employee_id TEXT COLLATE NOCASE,
  account_enabled INTEGER,
  on_premises_immutable_id TEXT,
  on_premises_sync_enabled INTEGER,
  on_premises_distinguished_name TEXT COLLATE NOCASE,
  on_premises_sam_account_name TEXT COLLATE NOCASE,
  on_premises_security_identifier TEXT,
  on_premises_domain_name TEXT COLLATE NOCASE,
  on_premises_user_principal_name TEXT COLLATE NOCASE,
  on_premises_last_sync_date_time TEXT,
  manager_id TEXT,
  PRIMARY KEY (tenant_id, id)
);
-- One anchor per tenant, deleted users included: a returning object is restored, never duplicated.
CREATE UNIQUE INDEX directory_users_anchor ON directory_users (tenant_id, on_premises_immutable_id)
  WHERE on_premises_immutable_id IS NOT NULL;
-- Entra keeps UPNs unique among live users; a deleted user's UPN may be taken again.
CREATE UNIQUE INDEX directory_users_upn ON directory_users (tenant_id, user_principal_name)
  WHERE deleted_date_time IS NULL;
CREATE INDEX directory_users_dn ON directory_users (tenant_id, on_premises_distinguished_name);
CREATE INDEX directory_users_mail ON directory_users (tenant_id, mail);
CREATE INDEX directory_users_deleted ON directory_users (tenant_id, deleted_date_time, id);

CREATE TABLE directory_user_proxy_addresses (
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  address TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (tenant_id, user_id, address),
  FOREIGN KEY (tenant_id, user_id) REFERENCES directory_users(tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX directory_user_proxy_addresses_address ON directory_user_proxy_addresses (tenant_id, address);

CREATE TABLE directory_groups (
  tenant_id TEXT NOT NULL REFERENCES directory_tenants(id),
  id TEXT NOT NULL,
  created_date_time TEXT NOT NULL,
  deleted_date_time TEXT,
  display_name TEXT NOT NULL COLLATE NOCASE,
  description TEXT COLLATE NOCASE,
  mail TEXT COLLATE NOCASE,
  mail_enabled INTEGER NOT NULL,
  mail_nickname TEXT COLLATE NOCASE,
  security_enabled INTEGER NOT NULL,
  group_types TEXT NOT NULL DEFAULT '[]',
  proxy_addresses TEXT NOT NULL DEFAULT '[]',
  on_premises_sync_enabled INTEGER,
  on_premises_sam_account_name TEXT COLLATE NOCASE,
  on_premises_security_identifier TEXT,
  on_premises_domain_name TEXT COLLATE NOCASE,
  on_premises_net_bios_name TEXT COLLATE NOCASE,
  on_premises_last_sync_date_time TEXT,
  source_anchor TEXT,
  on_premises_distinguished_name TEXT COLLATE NOCASE,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX directory_groups_anchor ON directory_groups (tenant_id, source_anchor)
  WHERE source_anchor IS NOT NULL;
CREATE INDEX directory_groups_dn ON directory_groups (tenant_id, on_premises_distinguished_name);
CREATE INDEX directory_groups_deleted ON directory_groups (tenant_id, deleted_date_time, id);

-- Memberships by reference: group id → member id. A member may be a user or a group, so
-- member_id has no foreign key; purging an object deletes its rows explicitly.
CREATE TABLE directory_memberships (
  tenant_id TEXT NOT NULL,
  group_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  member_type TEXT NOT NULL CHECK (member_type IN ('user', 'group')),
  PRIMARY KEY (tenant_id, group_id, member_id),
  FOREIGN KEY (tenant_id, group_id) REFERENCES directory_groups(tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX directory_memberships_member ON directory_memberships (tenant_id, member_id, group_id);

CREATE TABLE directory_pending_references (
  tenant_id TEXT NOT NULL,
  group_id TEXT NOT NULL,
  reference TEXT NOT NULL COLLATE NOCASE,
  created_date_time TEXT NOT NULL,
  PRIMARY KEY (tenant_id, group_id, reference),
  FOREIGN KEY (tenant_id, group_id) REFERENCES directory_groups(tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX directory_pending_references_reference ON directory_pending_references (tenant_id, reference);

CREATE TABLE directory_sync_jobs (
  tenant_id TEXT NOT NULL REFERENCES directory_tenants(id),
  id TEXT NOT NULL,
  template_id TEXT NOT NULL,
  service_principal_id TEXT NOT NULL,
  schedule TEXT NOT NULL,
  status TEXT NOT NULL,
  settings TEXT NOT NULL,
  schema_json TEXT,
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
  source_id TEXT NOT NULL,
  object_type TEXT NOT NULL,
  error TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  first_failed_date_time TEXT NOT NULL,
  last_failed_date_time TEXT NOT NULL,
  PRIMARY KEY (tenant_id, job_id, source_id)
);

CREATE TABLE directory_provisioning_logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  activity_date_time TEXT NOT NULL,
  job_id TEXT NOT NULL,
  cycle_id TEXT NOT NULL,
  source_id TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX directory_provisioning_logs_tenant ON directory_provisioning_logs (tenant_id, seq);
CREATE INDEX directory_provisioning_logs_job ON directory_provisioning_logs (tenant_id, job_id, seq);
CREATE INDEX directory_provisioning_logs_cycle ON directory_provisioning_logs (tenant_id, cycle_id, seq);
CREATE INDEX directory_provisioning_logs_source ON directory_provisioning_logs (tenant_id, source_id, seq);
CREATE INDEX directory_provisioning_logs_time ON directory_provisioning_logs (tenant_id, activity_date_time);
`,
  },
  {
    // The UPN unique index is partial (live users only), so a lookup by UPN alone — soft
    // match, conflict checks — cannot use it and scanned every user of the tenant.
    id: 'directory-002-upn-lookup-index',
    sql: 'CREATE INDEX directory_users_upn_lookup ON directory_users (tenant_id, user_principal_name);',
  },
  {
    // Cloud sync configurations made through applicationTemplates/{id}/instantiate, and the
    // tenant flag the walkthrough sets first (PATCH /organization onPremisesSyncEnabled).
    // A tenant that already has jobs has been syncing: its flag reads true.
    id: 'directory-003-configurations-and-sync-flag',
    sql: `
ALTER TABLE directory_service_principals ADD COLUMN application_template_id TEXT;
ALTER TABLE directory_tenants ADD COLUMN on_premises_sync_enabled INTEGER;
UPDATE directory_tenants SET on_premises_sync_enabled = 1
  WHERE EXISTS (SELECT 1 FROM directory_sync_jobs j WHERE j.tenant_id = directory_tenants.id);
`,
  },
  {
    // directReports (GET /users/{id}/directReports, $expand=directReports) lists the users
    // whose manager is one user: without an index each was a scan of the tenant's users.
    id: 'directory-004-manager-index',
    sql: 'CREATE INDEX directory_users_manager ON directory_users (tenant_id, manager_id);',
  },
  {
    // Directory extensions (extension_{appId}_{name}) that attribute mappings write on users.
    id: 'directory-005-user-directory-extensions',
    sql: 'ALTER TABLE directory_users ADD COLUMN directory_extensions TEXT;',
  },
  {
    // Password hash sync: each synced user's PPH1 string (never an NT hash), apart from the
    // user row so that no query serving the API can select it; gone with the user on purge.
    // And the anchors read before their user was in the cloud, to read again once it is.
    id: 'directory-006-user-password-hashes',
    sql: `
CREATE TABLE directory_user_password_hashes (
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  credential_data TEXT NOT NULL,
  synced_date_time TEXT NOT NULL,
  PRIMARY KEY (tenant_id, user_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES directory_users(tenant_id, id) ON DELETE CASCADE
);
-- Source anchors whose password hash arrived before any cloud user held them (no hash kept).
CREATE TABLE directory_password_hash_pending (
  tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  source_anchor TEXT NOT NULL,
  PRIMARY KEY (tenant_id, job_id, source_anchor)
);
`,
  },
  {
    // AD's extensionAttribute1–15 of synced users (Graph onPremisesExtensionAttributes), as JSON text.
    id: 'directory-007-user-extension-attributes',
    sql: 'ALTER TABLE directory_users ADD COLUMN on_premises_extension_attributes TEXT;',
  },
  {
    // $orderby (Graph's defaults: users by displayName or userPrincipalName, groups by
    // displayName): the keyset expression of objects.ts listOrdered over live objects, so a page
    // is an index range read instead of sorting the whole tenant (EXPLAIN: no temp B-tree).
    id: 'directory-008-orderby-indexes',
    sql: `
CREATE INDEX directory_users_order_display_name ON directory_users (tenant_id, coalesce(display_name, '') COLLATE NOCASE, id) WHERE deleted_date_time IS NULL;
CREATE INDEX directory_users_order_upn ON directory_users (tenant_id, coalesce(user_principal_name, '') COLLATE NOCASE, id) WHERE deleted_date_time IS NULL;
CREATE INDEX directory_groups_order_display_name ON directory_groups (tenant_id, coalesce(display_name, '') COLLATE NOCASE, id) WHERE deleted_date_time IS NULL;
`,
  },
];
