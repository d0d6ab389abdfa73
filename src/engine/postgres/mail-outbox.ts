/**
 * MailOutbox over Postgres (ports.ts), on the pool, outside the directory's transactions. A
 * claim skips rows another node has locked (FOR UPDATE SKIP LOCKED) or claimed until a time
 * still ahead, so the nodes sharing the database send each message once.
 */
import type { Queryable } from '../../directory/postgres/connect.ts';
import type { MailOutbox } from '../ports.ts';
import { queuedMailOf } from '../sqlite/mail-outbox.ts';

export function createPostgresMailOutbox(db: Queryable): MailOutbox {
  return {
    async add(mail, at) {
      await db.query('INSERT INTO engine_mail_outbox (tenant_id, job_id, sender, recipients, subject, body, queued_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        mail.tenantId, mail.jobId, mail.from, JSON.stringify(mail.to), mail.subject, mail.text, at,
      ]);
    },
    async claimNext(now, until) {
      const { rows } = await db.query<Parameters<typeof queuedMailOf>[0]>(
        `UPDATE engine_mail_outbox SET claimed_until = $2
         WHERE id = (SELECT id FROM engine_mail_outbox WHERE claimed_until IS NULL OR claimed_until < $1 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING id, tenant_id, job_id, sender, recipients, subject, body, queued_at, attempts, last_error`,
        [now, until],
      );
      return rows[0] ? queuedMailOf(rows[0]) : undefined;
    },
    async remove(id) {
      await db.query('DELETE FROM engine_mail_outbox WHERE id = $1', [id]);
    },
    async release(id, error) {
      await db.query('UPDATE engine_mail_outbox SET claimed_until = NULL, attempts = attempts + 1, last_error = $1 WHERE id = $2', [error, id]);
    },
    async count() {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM engine_mail_outbox');
      return Number(rows[0]!.n);
    },
  };
}
