/**
 * Issue 12: "the Host header is reflected into the OpenID metadata and into @odata.nextLink".
 * Before, a request with `Host: attacker.example` got an issuer, a token endpoint, a token's
 * `iss` and absolute links on attacker.example. Now every absolute URL starts with the
 * configured `--public-url`, or, without one, with the address canopy serve listens on (a
 * loopback Host such as localhost:PORT is kept, as MSAL needs the issuer on the host it called).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { startHostileService, type HostileService } from './support/service.ts';
import { runCanopy } from '../cli/processes.ts';

/** A request with any Host header (fetch does not let a caller set Host). */
function send(url: string, host: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: { ...options.headers, host } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

async function absoluteUrls(service: HostileService, host: string) {
  const { tenantId, clientId, clientSecret } = service.bootstrap;
  const metadata = await send(`${service.url}/${tenantId}/v2.0/.well-known/openid-configuration`, host);
  assert.equal(metadata.status, 200);
  const token = await send(`${service.url}/${tenantId}/oauth2/v2.0/token`, host, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default', client_id: clientId, client_secret: clientSecret }).toString(),
  });
  assert.equal(token.status, 200, JSON.stringify(token.json));
  const accessToken = token.json.access_token as string;
  const users = await send(`${service.url}/v1.0/users`, host, { headers: { authorization: `Bearer ${accessToken}` } });
  assert.equal(users.status, 200, JSON.stringify(users.json));
  return {
    issuer: metadata.json.issuer as string,
    tokenEndpoint: metadata.json.token_endpoint as string,
    msgraphHost: metadata.json.msgraph_host as string,
    iss: decodeJwt(accessToken).iss!,
    context: users.json['@odata.context'] as string,
  };
}

describe('absolute URLs of canopy serve never follow a foreign Host header', () => {
  describe('without --public-url', () => {
    let service: HostileService;
    before(async () => { service = await startHostileService(); });
    after(async () => { await service.stop(); });

    test('Host: attacker.example gets the address the service listens on, everywhere', async () => {
      const urls = await absoluteUrls(service, 'attacker.example');
      for (const [name, value] of Object.entries(urls)) {
        assert.ok(!value.includes('attacker.example'), `${name}: ${value}`);
      }
      assert.equal(urls.issuer, `${service.url}/${service.bootstrap.tenantId}/v2.0`);
      assert.equal(urls.iss, urls.issuer);
      assert.ok(urls.context.startsWith(`${service.url}/v1.0/$metadata#users`), urls.context);
      assert.equal(urls.msgraphHost, new URL(service.url).host);
    });

    test('a loopback Host (localhost:PORT) is kept, as MSAL needs the issuer on the host it called', async () => {
      const host = `localhost:${new URL(service.url).port}`;
      const urls = await absoluteUrls(service, host);
      assert.equal(urls.issuer, `http://${host}/${service.bootstrap.tenantId}/v2.0`);
      assert.ok(urls.context.startsWith(`http://${host}/v1.0/`), urls.context);
    });
  });

  describe('with --public-url', () => {
    let service: HostileService;
    before(async () => { service = await startHostileService({ args: ['--public-url', 'https://canopy.example.test:8443/'] }); });
    after(async () => { await service.stop(); });

    test('every absolute URL starts with it, whatever the Host', async () => {
      for (const host of ['attacker.example', `127.0.0.1:${new URL(service.url).port}`]) {
        const urls = await absoluteUrls(service, host);
        assert.equal(urls.issuer, `https://canopy.example.test:8443/${service.bootstrap.tenantId}/v2.0`, host);
        assert.equal(urls.iss, urls.issuer);
        assert.equal(urls.tokenEndpoint, `https://canopy.example.test:8443/${service.bootstrap.tenantId}/oauth2/v2.0/token`);
        assert.equal(urls.msgraphHost, 'canopy.example.test:8443');
        assert.ok(urls.context.startsWith('https://canopy.example.test:8443/v1.0/$metadata#users'), urls.context);
      }
    });
  });

  test('a --public-url that is not an origin, or http off loopback, is refused at start naming the option', async () => {
    const root = mkdtempSync(join(tmpdir(), 'canopy-public-url-'));
    try {
      for (const [value, why] of [['https://canopy.example.test/api', /without a path/], ['http://canopy.example.test', /http is for loopback only/], ['canopy.example.test', /absolute URL/]] as const) {
        const run = await runCanopy(['serve', '--data', join(root, 'data'), '--listen', '127.0.0.1:0', '--public-url', value]);
        assert.notEqual(run.code, 0, value);
        assert.match(run.output.join('\n'), why);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
