/**
 * Issue 12: under umask 022 the data folder was 0755 and canopy.db 0644, sync secrets were
 * stored in plain text, and secret files readable by others were used anyway. Real
 * `canopy serve` / `canopy token create` processes on real files.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCanopy } from '../cli/processes.ts';
import { readBindPassword } from '../../src/agent/config.ts';
import { openSqliteDirectoryStore, directoryDatabasePath } from '../../src/directory/sqlite/store.ts';
import { createSecretBox, loadOrCreateSecretsKey } from '../../src/directory/secret-box.ts';
import { startHostileService, type HostileService } from './support/service.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;
const SECRET = 'Sup3r-Secret-Bind-P4ss';

describe('private files and sealed secrets', () => {
  const previousUmask = process.umask(0o022);
  let service: HostileService;
  let dataDir: string;
  before(async () => {
    service = await startHostileService();
    dataDir = service.dataDir;
  });
  after(async () => {
    await service.stop();
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
    process.umask(previousUmask);
  });

  async function graph(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${service.url}/v1.0${path}`, {
      method,
      headers: { authorization: `Bearer ${await service.token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  test('under umask 022 the data folder is 0700 and every file in it 0600', async () => {
    // A write first, so that the -wal and -shm files exist.
    const sps = await graph('GET', '/servicePrincipals');
    assert.equal(sps.status, 200);
    assert.equal(modeOf(dataDir), 0o700);
    for (const name of ['canopy.db', 'canopy.db-wal', 'canopy.db-shm', 'token-signing-key.json', 'bootstrap.json', 'sync-secrets.key']) {
      const path = join(dataDir, name);
      assert.ok(existsSync(path), `${name} exists`);
      assert.equal(modeOf(path), 0o600, `${name} is ${modeOf(path).toString(8)}`);
    }
  });

  test('sync secrets are sealed in the database with the key kept in its own file', async () => {
    const sps = (await graph('GET', '/servicePrincipals')).body.value as { id: string; displayName: string }[];
    const sp = sps.find((candidate) => /Provisioning/.test(candidate.displayName))!;
    const put = await graph('PUT', `/servicePrincipals/${sp.id}/synchronization/secrets`, { value: [{ key: 'Password', value: SECRET }, { key: 'Domain', value: '{"domain":"corp.example.com"}' }] });
    assert.ok(put.status < 300, JSON.stringify(put.body));
    for (const name of ['canopy.db', 'canopy.db-wal']) {
      assert.ok(!readFileSync(join(dataDir, name)).includes(SECRET), `${name} does not hold the secret in plain text`);
    }
    // The key file opens them (the same store code canopy serve uses).
    const box = createSecretBox(loadOrCreateSecretsKey(join(dataDir, 'sync-secrets.key')));
    const store = openSqliteDirectoryStore(directoryDatabasePath(dataDir), { secretBox: box });
    try {
      const secrets = await store.getSynchronizationSecrets(service.bootstrap.tenantId, sp.id);
      assert.equal(secrets.find((s) => s.key === 'Password')?.value, SECRET);
    } finally {
      await store.close();
    }
    // Without the key, the database alone does not: another key fails to open them.
    const other = createSecretBox(Buffer.alloc(32, 1));
    const wrongKey = openSqliteDirectoryStore(directoryDatabasePath(dataDir), { secretBox: other });
    try {
      await assert.rejects(wrongKey.getSynchronizationSecrets(service.bootstrap.tenantId, sp.id), /does not open with the secrets key/);
    } finally {
      await wrongKey.close();
    }
  });

  test('rows stored in plain text by an older version are sealed at the next start; a 0755 folder and 0644 files are narrowed', async () => {
    const sps = (await graph('GET', '/servicePrincipals')).body.value as { id: string; displayName: string }[];
    const sp = sps.find((candidate) => /Provisioning/.test(candidate.displayName))!;
    const exit = await service.stop(15_000, { keepData: true });
    assert.equal(exit.code, 0);
    // What an older version left: a plain row, a wide folder and database.
    const plain = openSqliteDirectoryStore(directoryDatabasePath(dataDir));
    await plain.transaction((tx) => tx.putSynchronizationSecrets(service.bootstrap.tenantId, sp.id, [{ key: 'Token', value: `${SECRET}-old` }]));
    await plain.close();
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'canopy.db'), 0o644);
    assert.ok(readFileSync(join(dataDir, 'canopy.db')).includes(`${SECRET}-old`) || readFileSync(join(dataDir, 'canopy.db-wal')).includes(`${SECRET}-old`));

    service = await startHostileService({ dataDir });
    await service.stop(15_000, { keepData: true });
    assert.equal(modeOf(dataDir), 0o700);
    assert.equal(modeOf(join(dataDir, 'canopy.db')), 0o600);
    for (const name of ['canopy.db', 'canopy.db-wal']) {
      if (existsSync(join(dataDir, name))) assert.ok(!readFileSync(join(dataDir, name)).includes(`${SECRET}-old`), `${name} no longer holds the old plain secret`);
    }
  });

  test('a signing key or bootstrap.json readable by others is refused with the file and the fix named', async () => {
    chmodSync(join(dataDir, 'token-signing-key.json'), 0o644);
    const serve = await runCanopy(['serve', '--data', dataDir, '--listen', '127.0.0.1:0']);
    assert.equal(serve.code, 1);
    assert.match(serve.output.join('\n'), /ERR_CONFIG_INVALID: the token signing key: .*token-signing-key\.json holds a secret but is readable by group or others \(mode 0644\); run chmod 600/);
    chmodSync(join(dataDir, 'token-signing-key.json'), 0o600);

    chmodSync(join(dataDir, 'bootstrap.json'), 0o640);
    const token = await runCanopy(['token', 'create', '--data', dataDir]);
    assert.equal(token.code, 1);
    assert.match(token.output.join('\n'), /--bootstrap: .*bootstrap\.json holds a secret but is readable by group or others \(mode 0640\)/);
    chmodSync(join(dataDir, 'bootstrap.json'), 0o600);
  });

  test("the agent's passwordFile readable by others is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), 'canopy-pw-'));
    try {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'bind-password');
      writeFileSync(file, `${SECRET}\n`, { mode: 0o644 });
      chmodSync(file, 0o644);
      const ad = { urls: ['ldaps://dc:636'], bindDn: 'CN=x', baseDn: 'DC=x', startTls: false, pageSize: 100, changeNotifications: false, changePollMs: 1000, passwordFile: file };
      assert.throws(() => readBindPassword(ad), /ad\.passwordFile: .* is readable by group or others \(mode 0644\)/);
      chmodSync(file, 0o600);
      assert.equal(readBindPassword(ad), SECRET);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
