import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentConnection } from '../../src/agent/connection.ts';
import { parseAgentConfig } from '../../src/agent/config.ts';
import { loadPrivateKey } from '../../src/agent/keys.ts';
import { registerAgent } from '../../src/agent/register.ts';
import { startService, type Service } from '../../src/cli/serve.ts';
import { pagedHandler, waitFor } from './harness.ts';

/** A throwaway CA and a certificate for 127.0.0.1 it signed. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Canopy test CA');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

describe('relay over TLS (wss) with a private CA', () => {
  let dir: string;
  let service: Service;
  let ca: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-tls-'));
    const files = makeCertificates(dir);
    ca = files.ca;
    service = await startService({ dataDir: join(dir, 'service'), listen: '127.0.0.1:0', tlsCert: files.cert, tlsKey: files.key });
  });
  after(async () => {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an agent trusting the CA enrolls over https and serves requests over wss', async () => {
    assert.match(service.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const config = parseAgentConfig(
      { service: { url: service.url, caFile: ca }, dataDir: 'agent', domains: [{ name: 'corp.example.com', ad: { urls: ['ldaps://dc'], bindDn: 'CN=x', passwordEnv: 'X', baseDn: 'DC=corp' } }] },
      dir,
      {},
    );
    const { token } = await service.relay.createToken(service.tenantId);
    const identity = await registerAgent(config, token);
    const connection = new AgentConnection({ serviceUrl: service.url, ca: readFileSync(ca), identity, privateKey: loadPrivateKey(config.dataDir), version: 'tls', handler: pagedHandler(5) });
    const connected = waitFor(connection, 'connected');
    connection.start();
    await connected;
    const response = await service.relay.request(service.tenantId, { domain: 'corp.example.com', method: 'GET', path: '/Users' });
    assert.equal((response.body as { totalResults: number }).totalResults, 5);
    await connection.stop();

    // Without the CA the agent does not trust the service, and says why.
    const untrusting = new AgentConnection({ serviceUrl: service.url, identity, privateKey: loadPrivateKey(config.dataDir), version: 'tls', handler: pagedHandler(5) });
    const failure = waitFor<Error>(untrusting, 'error');
    untrusting.start();
    assert.match((await failure).message, /self.signed|unable to verify|certificate/i);
    await untrusting.stop();
  });
});
