import type { Migration } from '../../directory/sqlite/open-database.ts';

/**
 * The engine's own table, beside the directory's in the same database so that its rows
 * commit in the same transaction as the directory writes and the watermark. One row per
 * source object a job has seen (Connect's connector space, reduced to what joins need).
 */
export const ENGINE_MIGRATIONS: readonly Migration[] = [
  {
    id: 'engine-001-source-objects',
    sql: `
CREATE TABLE engine_source_objects (
  tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  object_guid TEXT NOT NULL,
  anchor TEXT NOT NULL,
  object_type TEXT NOT NULL CHECK (object_type IN ('user', 'group')),
  target_id TEXT,
  dn TEXT NOT NULL,
  dn_normalized TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('synced', 'excluded', 'deleted')),
  pending_manager TEXT,
  PRIMARY KEY (tenant_id, job_id, object_guid)
) WITHOUT ROWID;
CREATE INDEX engine_source_objects_dn ON engine_source_objects (tenant_id, job_id, dn_normalized);
CREATE INDEX engine_source_objects_pending_manager ON engine_source_objects (tenant_id, job_id, object_guid)
  WHERE pending_manager IS NOT NULL;
`,
  },
  {
    // A full re-read (AdChangePage.reset) marks every object it returns with the read's
    // token; synced objects left unmarked when it ends are gone. The token outlives a crash
    // in engine_jobs, so a read resumed mid-way keeps marking with the same token.
    id: 'engine-002-reset-marks',
    sql: `
ALTER TABLE engine_source_objects ADD COLUMN seen_token TEXT;
CREATE TABLE engine_jobs (
  tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  reset_token TEXT,
  PRIMARY KEY (tenant_id, job_id)
) WITHOUT ROWID;
`,
  },
  {
    // The delete threshold holds deletes back (engine/staged-deletes.ts): a staged object
    // stays synced, marked with why it would go and since when; ForceDeletes is the
    // admin's restart asking for them to be applied.
    id: 'engine-003-staged-deletes',
    sql: `
ALTER TABLE engine_source_objects ADD COLUMN staged_delete TEXT;
ALTER TABLE engine_source_objects ADD COLUMN staged_at TEXT;
CREATE INDEX engine_source_objects_staged ON engine_source_objects (tenant_id, job_id, object_guid)
  WHERE staged_delete IS NOT NULL;
ALTER TABLE engine_jobs ADD COLUMN force_deletes INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    // Notification email until the mail server accepts it (notifications/notifier.ts): a
    // message queued while the mail server is down survives a restart. Sent in id order.
    id: 'engine-004-mail-outbox',
    sql: `
CREATE TABLE engine_mail_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipients TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  queued_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  claimed_until TEXT
);
`,
  },
];
