import type { PostgresMigration } from '../../directory/postgres/connect.ts';

/**
 * The engine's tables on Postgres, beside the directory's in the same schema so that their
 * rows commit in the directory's transaction. One step per SQLite step (sqlite/migrations.ts),
 * same ids.
 */
export const ENGINE_POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    id: 'engine-001-source-objects',
    sql: `
CREATE TABLE engine_source_objects (
  tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  object_guid TEXT COLLATE "C" NOT NULL,
  anchor TEXT NOT NULL,
  object_type TEXT NOT NULL CHECK (object_type IN ('user', 'group')),
  target_id TEXT,
  dn TEXT NOT NULL,
  dn_normalized TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('synced', 'excluded', 'deleted')),
  pending_manager TEXT,
  PRIMARY KEY (tenant_id, job_id, object_guid)
);
CREATE INDEX engine_source_objects_dn ON engine_source_objects (tenant_id, job_id, dn_normalized);
CREATE INDEX engine_source_objects_pending_manager ON engine_source_objects (tenant_id, job_id, object_guid)
  WHERE pending_manager IS NOT NULL;
`,
  },
  {
    id: 'engine-002-reset-marks',
    sql: `
ALTER TABLE engine_source_objects ADD COLUMN seen_token TEXT;
CREATE TABLE engine_jobs (
  tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  reset_token TEXT,
  PRIMARY KEY (tenant_id, job_id)
);
`,
  },
  {
    id: 'engine-003-staged-deletes',
    sql: `
ALTER TABLE engine_source_objects ADD COLUMN staged_delete TEXT;
ALTER TABLE engine_source_objects ADD COLUMN staged_at TEXT;
CREATE INDEX engine_source_objects_staged ON engine_source_objects (tenant_id, job_id, object_guid)
  WHERE staged_delete IS NOT NULL;
ALTER TABLE engine_jobs ADD COLUMN force_deletes BOOLEAN NOT NULL DEFAULT false;
`,
  },
  {
    id: 'engine-004-mail-outbox',
    sql: `
CREATE TABLE engine_mail_outbox (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipients TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  queued_at TIMESTAMPTZ NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  claimed_until TIMESTAMPTZ
);
`,
  },
];
