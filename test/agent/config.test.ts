import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAgentConfig, parseAgentConfig, readBindPassword } from '../../src/agent/config.ts';
import { generateAgentKey, loadPrivateKey, savePrivateKey } from '../../src/agent/keys.ts';
import { isCanopyError } from '../../src/core/errors.ts';

const domain = { name: 'corp.example.com', ad: { urls: ['ldaps://dc1'], bindDn: 'CN=sync', passwordEnv: 'AD_PW', baseDn: 'DC=corp,DC=example,DC=com' } };
const valid = { service: { url: 'https://canopy.example.com' }, dataDir: 'data', domains: [domain] };

function refusal(raw: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseAgentConfig(raw, '/etc/canopy', env);
  } catch (error) {
    assert.ok(isCanopyError(error, 'ERR_CONFIG_INVALID'), String(error));
    return (error as Error).message;
  }
  assert.fail('the configuration was accepted');
}

describe('agent configuration', () => {
  test('resolves paths against the file folder and applies defaults', () => {
    const config = parseAgentConfig({ ...valid, domains: [{ ...domain, name: 'Corp.Example.COM', ad: { ...domain.ad, caFile: 'ca.pem' } }] }, '/etc/canopy', {});
    assert.equal(config.dataDir, '/etc/canopy/data');
    assert.equal(config.domains[0]!.name, 'corp.example.com');
    assert.equal(config.domains[0]!.ad.caFile, '/etc/canopy/ca.pem');
    assert.equal(config.domains[0]!.ad.pageSize, 500);
    assert.equal(config.domains[0]!.ad.startTls, false);
    assert.ok(Object.isFrozen(config.domains[0]!.ad));
  });

  test('errors name the option', () => {
    assert.match(refusal({ ...valid, dataDir: undefined }), /dataDir/);
    assert.match(refusal({ ...valid, domains: [{ ...domain, name: 'corp' }] }), /domains\.0\.name: must be a DNS name/);
    assert.match(refusal({ ...valid, domains: [{ ...domain, ad: { ...domain.ad, urls: ['http://dc1'] } }] }), /domains\.0\.ad\.urls\.0: must be an ldap/);
    assert.match(refusal({ ...valid, domains: [{ ...domain, ad: { ...domain.ad, pageSize: 0 } }] }), /domains\.0\.ad\.pageSize/);
    assert.match(refusal({ ...valid, domains: [{ ...domain, ad: { ...domain.ad, password: 'x' } }] }), /domains\.0\.ad: .*password/);
    assert.match(refusal({ ...valid, domains: [{ ...domain, ad: { ...domain.ad, passwordFile: '/x' } }] }), /exactly one of passwordEnv .* or passwordFile/);
    assert.match(refusal({ ...valid, service: { url: 'http://canopy.example.com' } }), /service\.url: plain http:\/\/ is allowed only for a service on loopback/);
    assert.match(refusal({ ...valid, domains: [] }), /domains/);
  });

  test('CANOPY_* environment variables override the file', () => {
    const config = parseAgentConfig(valid, '/etc/canopy', { CANOPY_SERVICE_URL: 'http://127.0.0.1:8443', CANOPY_DATA_DIR: '/var/lib/canopy', CANOPY_SERVICE_CA_FILE: 'ca.pem' });
    assert.equal(config.service.url, 'http://127.0.0.1:8443');
    assert.equal(config.dataDir, '/var/lib/canopy');
    assert.equal(config.service.caFile, '/etc/canopy/ca.pem');
  });

  test('the bind password comes from an environment variable or a file, read when needed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'canopy-config-'));
    writeFileSync(join(dir, 'pw'), 'from-file\n', { mode: 0o600 }); // a secret file: 0600 or it is refused
    const fromEnv = parseAgentConfig(valid, dir, {});
    assert.equal(readBindPassword(fromEnv.domains[0]!.ad, { AD_PW: 'from-env' }), 'from-env');
    assert.throws(() => readBindPassword(fromEnv.domains[0]!.ad, {}), /ad\.passwordEnv: the environment variable AD_PW is not set/);
    const fromFile = parseAgentConfig({ ...valid, domains: [{ ...domain, ad: { ...domain.ad, passwordEnv: undefined, passwordFile: 'pw' } }] }, dir, {});
    assert.equal(readBindPassword(fromFile.domains[0]!.ad, {}), 'from-file');
    // The configuration object itself never holds the password.
    assert.ok(!JSON.stringify(fromFile).includes('from-file'));
  });

  test('a configuration file that is not JSON is refused with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'canopy-config-'));
    writeFileSync(join(dir, 'agent.json'), '{ nope');
    assert.throws(() => loadAgentConfig(join(dir, 'agent.json'), {}), /agent\.json is not JSON/);
  });

  test('a private key readable by others is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'canopy-keys-'));
    const { privateKey } = await generateAgentKey();
    const path = savePrivateKey(dir, privateKey);
    assert.ok(loadPrivateKey(dir));
    assert.throws(() => savePrivateKey(dir, privateKey), /already exists/);
    chmodSync(path, 0o644);
    assert.throws(() => loadPrivateKey(dir), /readable by group or others \(mode 644\); chmod 600 it/);
  });
});
