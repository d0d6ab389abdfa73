/**
 * Connecting to the test DC: failover, TLS, binds and the errors that name each cause.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdReader } from '../../src/ad/reader.ts';
import { isCanopyError, type CanopyErrorCode } from '../../src/core/errors.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { closedPort, readerOptions } from './helpers.ts';

function rejectsWith(code: CanopyErrorCode, ...mentions: string[]) {
  return (error: unknown) => {
    assert.ok(isCanopyError(error, code), `expected ${code}, got ${String(error)}`);
    for (const text of mentions) assert.ok(error.message.includes(text), `"${error.message}" should name ${text}`);
    return true;
  };
}

describe('AD connection', { skip: skipReason() }, () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'canopy-ad-ca-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('LDAPS with the CA file binds and checks the base DN', async () => {
    const reader = await AdReader.connect(readerOptions());
    try {
      assert.equal(reader.server.url, adEnv().url);
      assert.match(reader.server.invocationId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.match(reader.server.highestCommittedUSN ?? '', /^\d+$/);
    } finally {
      await reader.close();
    }
  });

  test('with the first URL dead (a closed port), it fails over to the next', async () => {
    const dead = `ldaps://127.0.0.1:${await closedPort()}`;
    const reader = await AdReader.connect(readerOptions({ urls: [dead, adEnv().url] }));
    try {
      assert.equal(reader.server.url, adEnv().url);
      const first = await reader.readAll().next();
      assert.equal(first.done, false);
    } finally {
      await reader.close();
    }
  });

  test('a dropped connection is replaced by a fresh bound one, with failover', async () => {
    const dead = `ldaps://127.0.0.1:${await closedPort()}`;
    const reader = await AdReader.connect(readerOptions({ urls: [dead, adEnv().url] }));
    try {
      const before = await reader.readAll().next();
      assert.equal(before.done, false);
      const connection = Reflect.get(reader, 'connection') as { client: { unbind(): Promise<void>; isBound: boolean } };
      await connection.client.unbind();
      assert.equal(connection.client.isBound, false);
      const after = await reader.readAll().next();
      assert.deepEqual(after.value, before.value);
      assert.notEqual(Reflect.get(reader, 'connection'), connection);
      assert.equal(reader.server.url, adEnv().url);
    } finally {
      await reader.close();
    }
  });

  test('a watermark the reader did not make is ERR_AD_WATERMARK_INVALID', async () => {
    const reader = await AdReader.connect(readerOptions());
    try {
      await assert.rejects(reader.readChanges('bm90IGEgd2F0ZXJtYXJr').next(), rejectsWith('ERR_AD_WATERMARK_INVALID'));
    } finally {
      await reader.close();
    }
  });

  test('StartTLS on ldap:// with the CA file', { skip: adEnv().startTlsUrl ? undefined : 'no StartTLS URL' }, async () => {
    const reader = await AdReader.connect(readerOptions({ urls: [adEnv().startTlsUrl], startTls: true }));
    await reader.close();
  });

  test('plain LDAP is refused unless allowed', { skip: adEnv().startTlsUrl ? undefined : 'no plain URL' }, async () => {
    await assert.rejects(AdReader.connect(readerOptions({ urls: [adEnv().startTlsUrl] })), rejectsWith('ERR_CONFIG_INVALID', 'allowPlainLdap'));
    const reader = await AdReader.connect(readerOptions({ urls: [adEnv().startTlsUrl], allowPlainLdap: true }));
    await reader.close();
  });

  test('a wrong password is ERR_AD_INVALID_CREDENTIALS', async () => {
    await assert.rejects(AdReader.connect(readerOptions({ password: 'not-the-password' })), rejectsWith('ERR_AD_INVALID_CREDENTIALS', adEnv().bindDn));
  });

  test('an unreachable DC is ERR_AD_UNREACHABLE naming every URL tried', async () => {
    const a = `ldaps://127.0.0.1:${await closedPort()}`;
    const b = `ldap://127.0.0.1:${await closedPort()}`;
    await assert.rejects(AdReader.connect(readerOptions({ urls: [a, b], startTls: true })), rejectsWith('ERR_AD_UNREACHABLE', a, b, 'ECONNREFUSED'));
  });

  test('a DC that accepts but never answers times out', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      await assert.rejects(AdReader.connect(readerOptions({ urls: [`ldaps://127.0.0.1:${port}`], connectTimeoutMs: 300 })), rejectsWith('ERR_AD_UNREACHABLE', 'timed out'));
      assert.ok(Date.now() - started < 5000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  test('a certificate from an unknown CA is ERR_AD_TLS_UNTRUSTED', async () => {
    const caFile = join(tmp, 'other-ca.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tmp, 'other-ca.key'), '-out', caFile, '-days', '1', '-subj', '/CN=Some Other CA'], { stdio: 'ignore' });
    await assert.rejects(AdReader.connect(readerOptions({ caFile })), rejectsWith('ERR_AD_TLS_UNTRUSTED', caFile, adEnv().url));
  });

  test('a base DN outside the domain is ERR_AD_BASE_DN_OUTSIDE_DOMAIN', async () => {
    await assert.rejects(AdReader.connect(readerOptions({ baseDn: 'DC=elsewhere,DC=example' })), rejectsWith('ERR_AD_BASE_DN_OUTSIDE_DOMAIN', 'DC=elsewhere,DC=example', adEnv().baseDn));
    // An OU is not a naming context either, and scoping DNs must lie in the domain.
    await assert.rejects(AdReader.connect(readerOptions({ baseDn: `OU=Canopy Fixture,${adEnv().baseDn}` })), rejectsWith('ERR_AD_BASE_DN_OUTSIDE_DOMAIN'));
    await assert.rejects(AdReader.connect(readerOptions({ scopeDns: ['OU=Sales,DC=elsewhere,DC=example'] })), rejectsWith('ERR_AD_BASE_DN_OUTSIDE_DOMAIN', 'OU=Sales,DC=elsewhere,DC=example'));
  });
});
