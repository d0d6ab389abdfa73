/**
 * MailOutbox over SQLite (ports.ts): on a connection of its own to the store's file, outside
 * the directory's transactions (a queued email does not wait for a page to commit, and a
 * cycle rolled back does not take its email with it). postgres/mail-outbox.ts is the other side.
 */
import type { SqliteDatabase } from '../../directory/sqlite/open-database.ts';
import type { MailOutbox, QueuedMail } from '../ports.ts';

interface Row {
  id: number; tenant_id: string; job_id: string; sender: string; recipients: string; subject: string; body: string;
  queued_at: string; attempts: number; last_error: string | null;
}

export function queuedMailOf(row: Omit<Row, 'id' | 'queued_at'> & { id: number | string; queued_at: string | Date }): QueuedMail {
  return {
    id: String(row.id),
    tenantId: row.tenant_id,
    jobId: row.job_id,
    from: row.sender,
    to: JSON.parse(row.recipients) as string[],
    subject: row.subject,
    text: row.body,
    queuedAt: row.queued_at instanceof Date ? row.queued_at.toISOString() : row.queued_at,
    attempts: row.attempts,
    lastError: row.last_error,
  };
}

export function createSqliteMailOutbox(db: SqliteDatabase): MailOutbox {
  const insert = db.prepare('INSERT INTO engine_mail_outbox (tenant_id, job_id, sender, recipients, subject, body, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const claim = db.prepare<[string, string], Row>(`
UPDATE engine_mail_outbox SET claimed_until = ?
WHERE id = (SELECT id FROM engine_mail_outbox WHERE claimed_until IS NULL OR claimed_until < ? ORDER BY id LIMIT 1)
RETURNING *`);
  const remove = db.prepare('DELETE FROM engine_mail_outbox WHERE id = ?');
  const release = db.prepare('UPDATE engine_mail_outbox SET claimed_until = NULL, attempts = attempts + 1, last_error = ? WHERE id = ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM engine_mail_outbox');
  return {
    async add(mail, at) {
      insert.run(mail.tenantId, mail.jobId, mail.from, JSON.stringify(mail.to), mail.subject, mail.text, at.toISOString());
    },
    async claimNext(now, until) {
      const row = claim.get(until.toISOString(), now.toISOString());
      return row ? queuedMailOf(row) : undefined;
    },
    async remove(id) {
      remove.run(Number(id));
    },
    async release(id, error) {
      release.run(error, Number(id));
    },
    async count() {
      return count.get()!.n;
    },
  };
}
