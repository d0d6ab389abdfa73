/**
 * The tenant's OpenID Connect provider in a real `canopy serve` (no AD needed): the first
 * start's administrator with a one-time password, the change it forces, authorization code
 * with PKCE, the access token the Graph API takes, refresh tokens, throttled failures, an
 * account without an admin role seeing nothing, and keys and sessions kept across a restart.
 * The browser's part is played by fetch with a cookie jar (browserless.ts); test/web drives
 * chromium through the same pages.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSecret } from '../../src/api/auth/secret-hash.ts';
import { openDatabase } from '../../src/directory/sqlite/open-database.ts';
import { directoryDatabasePath } from '../../src/directory/sqlite/store.ts';
import { SqliteIdentityStore } from '../../src/identity/sqlite-identity-store.ts';
import { PORTAL_CLIENT_ID, PORTAL_SCOPES } from '../../src/identity/provider.ts';
import { startServe, stopProcess, type ServeProcess } from '../e2e/support/processes.ts';
import { CookieJar, location, pkcePair } from './browserless.ts';

interface Bootstrap { tenantId: string; apiUrl: string; portalUrl: string; adminUserName: string; adminOneTimePassword: string }

const NEW_PASSWORD = 'a new password for the admin';

describe('identity: sign-in to the tenant through its OpenID Connect provider', () => {
  let dir: string;
  let serve: ServeProcess;
  let boot: Bootstrap;
  const dataDir = () => join(dir, 'service');
  const tenantUrl = (path: string) => `${serve.url}/${boot.tenantId}${path}`;
  const redirectUri = () => `${serve.url}/portal/`;

  /** Starts an authorization request in a fresh browser; returns the jar, the login page URL and the verifier. */
  async function authorize(jar = new CookieJar(), extra: Record<string, string> = {}) {
    const { verifier, challenge } = pkcePair();
    const query = new URLSearchParams({
      client_id: PORTAL_CLIENT_ID, response_type: 'code', redirect_uri: redirectUri(), scope: PORTAL_SCOPES.join(' '), prompt: 'consent',
      resource: 'https://graph.microsoft.com', code_challenge: challenge, code_challenge_method: 'S256', state: 'state-1', ...extra,
    });
    const response = await jar.fetch(tenantUrl(`/oauth2/v2.0/authorize?${query}`));
    assert.equal(response.status, 303, await response.text());
    return { jar, login: location(response, serve.url), verifier };
  }

  /** Follows the provider's redirects back to the portal; returns the code. */
  async function codeAfter(jar: CookieJar, response: Response): Promise<string> {
    assert.equal(response.status, 303, await response.clone().text());
    let next = location(response, serve.url);
    for (let hops = 0; !next.startsWith(redirectUri()); hops++) {
      assert.ok(hops < 5, `still redirected after 5 hops: ${next}`);
      const hop = await jar.fetch(next);
      assert.equal(hop.status, 303, await hop.clone().text());
      next = location(hop, serve.url);
    }
    const back = new URL(next);
    assert.equal(back.searchParams.get('state'), 'state-1');
    return back.searchParams.get('code')!;
  }

  async function token(form: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
    const response = await fetch(tenantUrl('/oauth2/v2.0/token'), {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: PORTAL_CLIENT_ID, ...form }).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  async function signInFully(userName: string, password: string) {
    const { jar, login, verifier } = await authorize();
    const code = await codeAfter(jar, await jar.post(login, { step: 'sign-in', username: userName, password }));
    return token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), code_verifier: verifier });
  }

  const graph = (accessToken: string, path: string) => fetch(`${serve.url}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-identity-'));
    serve = await startServe(dataDir());
    const { readFileSync } = await import('node:fs');
    boot = JSON.parse(readFileSync(join(dataDir(), 'bootstrap.json'), 'utf8')) as Bootstrap;
  });
  after(async () => {
    if (serve) await stopProcess(serve.process);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the first start writes the portal address and an administrator with a one-time password', () => {
    assert.equal(boot.portalUrl, `${serve.url}/portal/`);
    assert.equal(boot.adminUserName, 'admin');
    assert.ok(boot.adminOneTimePassword.length >= 16);
  });

  test('the OpenID metadata advertises the authorization code flow with PKCE and refresh tokens', async () => {
    const metadata = (await (await fetch(tenantUrl('/v2.0/.well-known/openid-configuration'))).json()) as Record<string, unknown>;
    assert.equal(metadata.issuer, `${serve.url}/${boot.tenantId}/v2.0`);
    assert.equal(metadata.authorization_endpoint, tenantUrl('/oauth2/v2.0/authorize'));
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.ok((metadata.grant_types_supported as string[]).includes('authorization_code'));
    assert.ok((metadata.grant_types_supported as string[]).includes('refresh_token'));
  });

  test('an authorization request without PKCE is refused', async () => {
    const jar = new CookieJar();
    const query = new URLSearchParams({ client_id: PORTAL_CLIENT_ID, response_type: 'code', redirect_uri: redirectUri(), scope: 'openid', state: 's' });
    const response = await jar.fetch(tenantUrl(`/oauth2/v2.0/authorize?${query}`));
    assert.equal(response.status, 303);
    const back = new URL(location(response, serve.url));
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.match(back.searchParams.get('error_description') ?? '', /PKCE/);
  });

  test('a wrong password shows the form again with an error; the page has labelled fields', async () => {
    const { jar, login } = await authorize();
    const page = await (await jar.fetch(login)).text();
    assert.match(page, /<label for="username">User name<\/label>/);
    assert.match(page, /<label for="password">Password<\/label>/);
    const wrong = await jar.post(login, { step: 'sign-in', username: 'admin', password: 'not the password' });
    assert.equal(wrong.status, 200);
    assert.match(await wrong.text(), /role="alert">Your user name or password is incorrect\./);
  });

  test('the one-time password leads to the change-password form, which refuses a short or mismatched password', async () => {
    const { jar, login, verifier } = await authorize();
    const first = await jar.post(login, { step: 'sign-in', username: 'admin', password: boot.adminOneTimePassword });
    assert.equal(first.status, 200);
    assert.match(await first.text(), /Update your password/);
    const change = (next: string, confirm = next) => jar.post(login, { step: 'change-password', username: 'admin', password: boot.adminOneTimePassword, newPassword: next, confirmPassword: confirm });
    assert.match(await (await change('short')).text(), /at least 12 characters/);
    assert.match(await (await change(NEW_PASSWORD, `${NEW_PASSWORD}!`)).text(), /differ/);
    const code = await codeAfter(jar, await change(NEW_PASSWORD));
    // The code is bound to the verifier (RFC 7636 §4.6): another verifier gets nothing.
    const stolen = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), code_verifier: pkcePair().verifier });
    assert.equal(stolen.status, 400);
    assert.equal(stolen.body.error, 'invalid_grant');
    const redeemed = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), code_verifier: verifier });
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    // A code is single-use (RFC 6749 §4.1.2).
    const replayed = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), code_verifier: verifier });
    assert.equal(replayed.status, 400);
    assert.equal(replayed.body.error, 'invalid_grant');
  });

  test('the one-time password no longer signs in once changed', async () => {
    const { jar, login } = await authorize();
    const response = await jar.post(login, { step: 'sign-in', username: 'admin', password: boot.adminOneTimePassword });
    assert.match(await response.text(), /incorrect/);
  });

  test("the admin's access token reads Graph; its claims are a delegated token's", async () => {
    const { status, body } = await signInFully('admin', NEW_PASSWORD);
    assert.equal(status, 200, JSON.stringify(body));
    const claims = JSON.parse(Buffer.from(body.access_token!.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, string>;
    assert.equal(claims.tid, boot.tenantId);
    assert.equal(claims.aud, 'https://graph.microsoft.com');
    assert.equal(claims.idtyp, 'user');
    assert.match(claims.scp!, /Synchronization\.ReadWrite\.All/);
    const principals = await graph(body.access_token!, '/v1.0/servicePrincipals');
    assert.equal(principals.status, 200);
    assert.ok(((await principals.json()) as { value: unknown[] }).value.length >= 1);
    // The ID token is not an access token for Graph.
    assert.equal((await graph(body.id_token!, '/v1.0/users')).status, 401);
  });

  test('a refresh token gets a new access token, once (rotation)', async () => {
    const first = await signInFully('admin', NEW_PASSWORD);
    assert.ok(first.body.refresh_token);
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token! });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal((await graph(refreshed.body.access_token!, '/v1.0/users')).status, 200);
    const replayed = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token! });
    assert.equal(replayed.status, 400);
    assert.equal(replayed.body.error, 'invalid_grant');
  });

  test('an account without an admin role signs in and Graph shows it nothing', async () => {
    // Accounts other than the first administrator have no API yet: written to the store directly.
    const db = openDatabase(directoryDatabasePath(dataDir()));
    try {
      await new SqliteIdentityStore(db).createAccount({
        tenantId: boot.tenantId, id: randomUUID(), userName: 'reader', displayName: 'Reader', passwordHash: await hashSecret('reader password 1'),
        mustChangePassword: false, roles: [], createdDateTime: new Date().toISOString(),
      });
    } finally {
      db.close();
    }
    const { status, body } = await signInFully('reader', 'reader password 1');
    assert.equal(status, 200, JSON.stringify(body));
    for (const path of ['/v1.0/servicePrincipals', '/v1.0/users', '/v1.0/auditLogs/provisioning']) {
      assert.equal((await graph(body.access_token!, path)).status, 403, path);
    }
  });

  test('failed sign-ins are limited per account: the sixth try within the window is refused, even with the right password', async () => {
    const { jar, login } = await authorize();
    for (let i = 0; i < 5; i++) {
      const response = await jar.post(login, { step: 'sign-in', username: 'reader', password: `wrong ${i}` });
      assert.equal(response.status, 200);
    }
    const locked = await jar.post(login, { step: 'sign-in', username: 'reader', password: 'reader password 1' });
    assert.equal(locked.status, 429);
    assert.match(await locked.text(), /Too many failed sign-ins/);
  });

  test('after a restart, the signing key and the refresh tokens still work', async () => {
    const first = await signInFully('admin', NEW_PASSWORD);
    await stopProcess(serve.process);
    serve = await startServe(dataDir(), { port: Number(new URL(serve.url).port) });
    assert.equal((await graph(first.body.access_token!, '/v1.0/users')).status, 200);
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token! });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  });
});
