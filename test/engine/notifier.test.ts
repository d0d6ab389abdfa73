/**
 * Notification email through nodemailer to a real SMTP server on loopback (smtp-server),
 * read back: STARTTLS with a login and a private CA, one message per transition naming the
 * job, the domain, the reason and what to do next; a mail server that is down is retried
 * until it is back, and the message goes out once; no recipients, no message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMailSender } from '../../src/cli/serve-mail.ts';
import { Notifier, recipientsOf } from '../../src/engine/notifications/notifier.ts';
import type { QuarantineChange } from '../../src/engine/job-status.ts';
import { SmtpSink } from '../support/smtp-sink.ts';
import { openHarness, type Harness } from './support.ts';

function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Canopy test CA');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

async function until(what: string, probe: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const entered: QuarantineChange = {
  kind: 'entered',
  reason: 'TooManyDeletes',
  quarantine: {
    currentBegan: '2026-01-01T00:00:00.000Z', nextAttempt: null, reason: 'TooManyDeletes', seriesBegan: '2026-01-01T00:00:00.000Z', seriesCount: 1,
    error: { code: 'TooManyDeletes', message: 'Delete threshold exceeded: 600 deletes reach the delete threshold of 500.', tenantActionable: true },
  },
};

describe('notification email', () => {
  let dir: string;
  let h: Harness;
  let files: ReturnType<typeof makeCertificates>;
  const sp = 'sp-notify';

  async function putJob(id: string, settings: Record<string, unknown> | undefined): Promise<void> {
    await h.store.transaction(async (tx) => {
      await tx.directory.putSynchronizationJob({
        tenantId: h.tenantId, id, templateId: 'AD2AADProvisioning', servicePrincipalId: `${sp}-${id}`,
        schedule: { expiration: null, interval: 'PT2M', state: 'Active' }, status: { code: 'Quarantine' },
        synchronizationJobSettings: [{ name: 'DomainFQDN', value: 'corp.canopy.test' }], schema: null, createdDateTime: new Date().toISOString(),
      });
      if (settings) await tx.directory.putSynchronizationSecrets(h.tenantId, `${sp}-${id}`, [{ key: 'SyncNotificationSettings', value: JSON.stringify(settings) }]);
    });
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-mail-'));
    files = makeCertificates(dir);
    h = await openHarness();
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('recipients as Entra writes them', () => {
    assert.deepEqual(recipientsOf(' a@b.org; c@d.org ,e@f.org;'), ['a@b.org', 'c@d.org', 'e@f.org']);
    assert.deepEqual(recipientsOf(undefined), []);
  });

  test('STARTTLS with a login: one message per transition, naming job, domain, reason and the next step', async () => {
    const sink = new SmtpSink({ tls: { key: readFileSync(files.key), cert: readFileSync(files.cert) }, login: { user: 'canopy', pass: 's3cret' } });
    await sink.start();
    const passwordFile = join(dir, 'smtp.pw');
    writeFileSync(passwordFile, 's3cret\n', { mode: 0o600 });
    const sender = await createMailSender({ host: '127.0.0.1', port: sink.port, security: 'starttls', user: 'canopy', passwordFile, from: 'canopy@corp.canopy.test', caFile: files.ca });
    const notifier = new Notifier({ directory: h.store.directory, outbox: h.store.outbox, sender, from: 'canopy@corp.canopy.test' });
    try {
      await putJob('job-a', { Enabled: true, Recipients: 'admin@corp.canopy.test;ops@corp.canopy.test', DeleteThresholdEnabled: true, DeleteThresholdValue: 500 });
      await notifier.quarantineChanged({ tenantId: h.tenantId, jobId: 'job-a', change: entered });
      assert.equal(sink.received.length, 1);
      const mail = sink.received[0]!;
      assert.deepEqual(mail.to, ['admin@corp.canopy.test', 'ops@corp.canopy.test']);
      assert.equal(mail.from, 'canopy@corp.canopy.test');
      assert.equal(mail.secure, true, 'upgraded with STARTTLS');
      assert.equal(mail.user, 'canopy');
      assert.match(mail.subject, /job-a \(domain corp\.canopy\.test\) is quarantined \(TooManyDeletes\)/);
      assert.match(mail.text, /600 deletes reach the delete threshold of 500/);
      assert.match(mail.text, /resetScope":"ForceDeletes"/);
      await notifier.quarantineChanged({ tenantId: h.tenantId, jobId: 'job-a', change: { kind: 'released', reason: 'TooManyDeletes' } });
      assert.equal(sink.received.length, 2);
      assert.match(sink.received[1]!.subject, /job-a .* is out of quarantine/);
    } finally {
      notifier.stop();
      await sink.stop();
    }
  });

  test('a mail server that is down: the message waits and goes out once when it is back', async () => {
    const sink = new SmtpSink();
    await sink.start();
    const port = sink.port;
    await sink.stop();
    const failures: unknown[] = [];
    const sender = await createMailSender({ host: '127.0.0.1', port, security: 'none', from: 'canopy@corp.canopy.test' });
    const notifier = new Notifier({ directory: h.store.directory, outbox: h.store.outbox, sender, from: 'canopy@corp.canopy.test', retryMs: 100 });
    notifier.on('failed', (f) => failures.push(f));
    try {
      await putJob('job-b', { Enabled: true, Recipients: 'admin@corp.canopy.test' });
      await notifier.quarantineChanged({ tenantId: h.tenantId, jobId: 'job-b', change: entered });
      assert.equal(failures.length, 1, 'the first attempt failed');
      assert.equal(await notifier.waiting(), 1);
      await until('a second failed attempt', () => failures.length >= 2);
      await sink.start(port);
      await until('the message received', () => sink.received.length > 0);
      for (let i = 0; i < 100 && (await notifier.waiting()) > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await notifier.waiting(), 0, 'removed from the outbox once accepted');
      assert.equal(sink.received.length, 1, 'sent once');
      assert.match(sink.received[0]!.subject, /job-b/);
    } finally {
      notifier.stop();
      await sink.stop();
    }
  });

  test('the outbox outlives the notifier (a restart of the service): what was queued while the server was down goes out once from the next one', async () => {
    const sink = new SmtpSink();
    await sink.start();
    const port = sink.port;
    await sink.stop();
    const sender = await createMailSender({ host: '127.0.0.1', port, security: 'none', from: 'canopy@corp.canopy.test' });
    const before = new Notifier({ directory: h.store.directory, outbox: h.store.outbox, sender, from: 'canopy@corp.canopy.test', retryMs: 60_000 });
    await putJob('job-e', { Enabled: true, Recipients: 'admin@corp.canopy.test' });
    await before.quarantineChanged({ tenantId: h.tenantId, jobId: 'job-e', change: entered });
    await before.quarantineChanged({ tenantId: h.tenantId, jobId: 'job-e', change: { kind: 'released', reason: 'TooManyDeletes' } });
    before.stop();
    assert.equal(await h.store.outbox.count(), 2, 'both wait in the store');
    await sink.start(port);
    // Two notifiers (two nodes, or a restart racing a sweep) flush at once: each message goes out once.
    const one = new Notifier({ directory: h.store.directory, outbox: h.store.outbox, sender, from: 'canopy@corp.canopy.test' });
    const two = new Notifier({ directory: h.store.directory, outbox: h.store.outbox, sender, from: 'canopy@corp.canopy.test' });
    try {
      one.start();
      await Promise.all([one.flush(), two.flush()]);
      await until('both messages received', () => sink.received.length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(sink.received.map((m) => m.subject).sort(), [
        'Canopy: synchronization job job-e (domain corp.canopy.test) is out of quarantine',
        'Canopy: synchronization job job-e (domain corp.canopy.test) is quarantined (TooManyDeletes)',
      ]);
      assert.equal(await h.store.outbox.count(), 0);
    } finally {
      one.stop();
      two.stop();
      await sink.stop();
    }
  });

  test('no recipients or Enabled false: no message', async () => {
    const sink = new SmtpSink();
    await sink.start();
    const lines: string[] = [];
    const notifier = new Notifier({ directory: h.store.directory, outbox: h.store.outbox, sender: await createMailSender({ host: '127.0.0.1', port: sink.port, security: 'none', from: 'canopy@corp.canopy.test' }), from: 'canopy@corp.canopy.test', log: (l) => lines.push(l) });
    try {
      await putJob('job-c', undefined);
      await putJob('job-d', { Enabled: false, Recipients: 'admin@corp.canopy.test' });
      await notifier.quarantineChanged({ tenantId: h.tenantId, jobId: 'job-c', change: entered });
      await notifier.quarantineChanged({ tenantId: h.tenantId, jobId: 'job-d', change: entered });
      assert.equal(sink.received.length, 0);
      assert.equal(lines.filter((l) => /no notification/.test(l)).length, 2);
    } finally {
      notifier.stop();
      await sink.stop();
    }
  });

  test('bad mail options name the option', async () => {
    await assert.rejects(createMailSender({ host: 'h', security: 'ssl' as never, from: 'a@b' }), /--smtp-security ssl/);
    await assert.rejects(createMailSender({ host: 'h', port: 70000, from: 'a@b' }), /--smtp-port 70000/);
    await assert.rejects(createMailSender({ host: 'h', from: '' }), /--smtp-from/);
    await assert.rejects(createMailSender({ host: 'h', from: 'a@b', user: 'u' }), /--smtp-user and --smtp-password-file go together/);
  });
});
