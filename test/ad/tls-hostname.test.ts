/**
 * A DC whose certificate is issued by the trusted CA but for another name: the reader
 * refuses it with ERR_AD_TLS naming the cause, never binds. The server is a bare TLS
 * listener on loopback (the handshake fails before any LDAP), so no DC is needed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { AdReader } from '../../src/ad/reader.ts';
import { isCanopyError } from '../../src/core/errors.ts';

let tmp: string;
let server: Server;
let port: number;
let handshakes = 0;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'canopy-tls-name-'));
  const file = (name: string) => join(tmp, name);
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Name Test CA',
    '-keyout', file('ca.key'), '-out', file('ca.pem'), '-addext', 'basicConstraints=critical,CA:TRUE');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=dc.wrong.example', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('ext.cnf'), 'subjectAltName=DNS:dc.wrong.example\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-days', '1', '-extfile', file('ext.cnf'), '-out', file('server.pem'));
  server = createServer({ key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')) }, (socket) => {
    handshakes++;
    socket.destroy();
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

test('a trusted certificate for another host name is ERR_AD_TLS naming the mismatch', async () => {
  const url = `ldaps://127.0.0.1:${port}`;
  await assert.rejects(
    AdReader.connect({
      urls: [url],
      bindDn: 'CN=canopy-sync,CN=Users,DC=corp,DC=example',
      password: 'not used',
      caFile: join(tmp, 'ca.pem'),
      baseDn: 'DC=corp,DC=example',
      connectTimeoutMs: 5000,
    }),
    (error: unknown) => {
      assert.ok(isCanopyError(error, 'ERR_AD_TLS'), `expected ERR_AD_TLS, got ${String(error)}`);
      assert.match(error.message, /127\.0\.0\.1/);
      assert.match(error.message, /altname|host ?name|not in the cert/i);
      return true;
    },
  );
  assert.equal(handshakes, 0, 'the client must abort the handshake, never talk LDAP to the impostor');
});
