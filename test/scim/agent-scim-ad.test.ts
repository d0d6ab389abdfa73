/**
 * The agent's SCIM service against the real Samba DC through the real AD reader: filters
 * with LDAP metacharacters and non-ASCII values, the 3,500-member fixture group, paging,
 * /Delta after changes under a per-run OU, schema validation, and the local HTTP listener.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Attribute, Change, Client } from 'ldapts';
import { AdReader } from '../../src/ad/reader.ts';
import { createScimHandler, type ScimHandler } from '../../src/agent/scim-service.ts';
import { startScimHttp, type ScimHttpServer } from '../../src/agent/scim-http.ts';

const TOKEN = 'local-scim-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
import { resourceTypeById, schemaDefinitions, validateResource } from '../../src/scim/index.ts';
import { adEnv, readCa, skipReason } from '../support/ad-env.ts';
import { indexByDn, loadFixture, normalizeDn, sameDn } from '../support/fixture.ts';

type Json = Record<string, unknown>;
type List = { totalResults: number; itemsPerPage: number; Resources: Json[]; nextCursor?: string; startIndex?: number };

const skip = skipReason();

async function get(handler: ScimHandler, path: string, query: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const response = await handler({ method: 'GET', path, query });
  return { status: response.status, body: response.body as Json };
}

async function list(handler: ScimHandler, path: string, query: Record<string, string>): Promise<List> {
  const { status, body } = await get(handler, path, query);
  assert.equal(status, 200, JSON.stringify(body));
  return body as unknown as List;
}

function assertValid(resource: Json, type: 'User' | 'Group'): void {
  const resourceType = resourceTypeById(type);
  assert.ok(resourceType);
  assert.deepEqual(validateResource(resource, resourceType, schemaDefinitions), [], `${type} ${String(resource.id)}`);
}

async function connectReader(scopeDn: string): Promise<AdReader> {
  const env = adEnv();
  return AdReader.connect({ urls: [env.url], bindDn: env.bindDn, password: env.password, caFile: env.caFile, baseDn: env.baseDn, scopeDns: [scopeDn] });
}

describe('SCIM service over the fixture forest', { skip }, () => {
  let reader: AdReader;
  let handler: ScimHandler;

  before(async () => {
    reader = await connectReader(loadFixture().rootDn);
    handler = createScimHandler({ source: reader });
  });
  after(async () => reader?.close());

  test('userName eq with a non-ASCII UPN finds exactly that user, and it validates', async () => {
    const fixture = loadFixture();
    const dn = fixture.notable.nonAsciiUsers['fang.wang'] ?? Object.values(fixture.notable.nonAsciiUsers)[0];
    const expected = fixture.objects.find((o) => sameDn(o.dn, dn as string));
    const upn = expected?.attributes.userPrincipalName?.[0];
    assert.ok(upn);
    const found = await list(handler, '/Users', { filter: `userName eq ${JSON.stringify(upn)}` });
    assert.equal(found.totalResults, 1);
    const user = found.Resources[0] as Json;
    assert.equal(user.userName, upn);
    assert.equal(user.displayName, expected?.attributes.displayName?.[0]);
    assertValid(user, 'User');
    const byId = await get(handler, `/Users/${String(user.id)}`);
    assert.equal(byId.status, 200);
    assert.deepEqual(byId.body, user);
  });

  test('/Groups/{id} of the 3,500-member group returns every in-scope member once', async () => {
    const fixture = loadFixture();
    const big = fixture.objects.find((o) => sameDn(o.dn, fixture.notable.bigGroup));
    assert.ok(big);
    const memberDns = big.attributes.member ?? [];
    assert.ok(memberDns.length >= 3000);
    const byDn = indexByDn(fixture.objects);
    const inScope = memberDns
      .map((dn) => byDn.get(normalizeDn(dn)))
      .filter((o) => o && o.scope === 'in' && (o.kind === 'user' || o.kind === 'group'));
    const found = await list(handler, '/Groups', { filter: `displayName eq ${JSON.stringify(big.attributes.displayName?.[0] ?? big.attributes.cn?.[0])}`, attributes: 'id' });
    assert.equal(found.totalResults, 1);
    const id = String(found.Resources[0]?.id);
    const started = Date.now();
    const { status, body } = await get(handler, `/Groups/${id}`);
    assert.equal(status, 200);
    const members = body.members as { value: string; type: string; display?: string; $ref: string }[];
    assert.equal(members.length, inScope.length);
    assert.equal(new Set(members.map((m) => m.value)).size, members.length);
    const expectedNames = new Set(inScope.map((o) => o?.attributes.displayName?.[0] ?? o?.attributes.cn?.[0]));
    for (const member of members) {
      assert.ok(expectedNames.has(member.display), `unexpected member ${member.display}`);
      assert.equal(member.$ref, `/${member.type}s/${member.value}`);
    }
    assertValid(body, 'Group');
    console.log(`# /Groups/{id} with ${members.length} members in ${Date.now() - started} ms`);
  });

  test('a page of users and a page of groups validate against the served schemas', async () => {
    const users = await list(handler, '/Users', { count: '40', startIndex: '100' });
    assert.equal(users.itemsPerPage, 40);
    assert.equal(users.startIndex, 100);
    assert.equal(users.totalResults, loadFixture().objects.filter((o) => o.scope === 'in' && o.kind === 'user').length);
    for (const user of users.Resources) assertValid(user, 'User');
    const groups = await list(handler, '/Groups', { count: '20', excludedAttributes: 'members' });
    for (const group of groups.Resources) {
      assert.ok(!('members' in group));
      assertValid(group, 'Group');
    }
  });
});

describe('SCIM service over a per-run OU', { skip }, () => {
  const suffix = randomBytes(4).toString('hex');
  let admin: Client;
  let ouDn: string;
  let reader: AdReader;
  let handler: ScimHandler;
  let http: ScimHttpServer;
  const dns: Record<string, string> = {};
  const ids: Record<string, string> = {};

  before(async () => {
    const env = adEnv();
    admin = new Client({ url: env.url, tlsOptions: { ca: readCa(env) } });
    await admin.bind(env.adminDn, env.adminPassword);
    ouDn = `OU=t-scim-${suffix},${env.baseDn}`;
    await admin.add(ouDn, { objectClass: ['top', 'organizationalUnit'] });
    const user = async (key: string, cn: string, attributes: Record<string, string | string[]>) => {
      dns[key] = `CN=${cn},${ouDn}`;
      await admin.add(dns[key], { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: `${key}-${suffix}`, ...attributes });
    };
    // 544: NORMAL_ACCOUNT | PASSWD_NOTREQD; 546 adds ACCOUNTDISABLE (MS-ADTS 2.2.16).
    await user('meta', 'Meta One', { displayName: 'x)(objectClass=* \\ star', userPrincipalName: `zoë.${suffix}@${env.domain}`, userAccountControl: '544', title: 'Before' });
    await user('other', 'Meta Two', { displayName: 'x)(objectClass=other', userAccountControl: '544' });
    await user('plain', 'Plain Three', { displayName: 'plain', userAccountControl: '546' });
    dns.group = `CN=Team ${suffix},${ouDn}`;
    await admin.add(dns.group, { objectClass: ['top', 'group'], sAMAccountName: `team-${suffix}`, groupType: '-2147483646', member: [dns.meta as string, dns.other as string] });
    reader = await connectReader(ouDn);
    handler = createScimHandler({ source: reader });
    http = await startScimHttp({ host: '127.0.0.1', port: 0, handler, token: TOKEN });
    for (const key of ['meta', 'other', 'plain', 'group']) {
      const object = await reader.readObject({ dn: dns[key] as string });
      assert.ok(object, key);
      ids[key] = object.objectGuid;
    }
  });

  after(async () => {
    await http?.close();
    await reader?.close();
    if (admin) {
      for (const dn of [dns.group, dns.meta, dns.other, dns.plain]) if (dn) await admin.del(dn).catch(() => undefined);
      await admin.del(ouDn).catch(() => undefined);
      await admin.unbind();
    }
  });

  const names = (found: List) => found.Resources.map((r) => r.displayName).sort();

  test('filters with LDAP metacharacters are escaped, not interpreted', async () => {
    assert.deepEqual(names(await list(handler, '/Users', { filter: 'displayName co "x)(objectClass=*"' })), ['x)(objectClass=* \\ star']);
    assert.deepEqual(names(await list(handler, '/Users', { filter: 'displayName sw "x)("' })), ['x)(objectClass=* \\ star', 'x)(objectClass=other']);
    assert.deepEqual(names(await list(handler, '/Users', { filter: 'displayName co "\\\\"' })), ['x)(objectClass=* \\ star']);
    assert.deepEqual(names(await list(handler, '/Users', { filter: 'displayName ew "* \\\\ star"' })), ['x)(objectClass=* \\ star']);
    assert.equal((await list(handler, '/Users', { filter: 'displayName eq "*"' })).totalResults, 0);
    assert.equal((await list(handler, '/Users', { filter: 'displayName eq "x)(objectClass=*"' })).totalResults, 0);
    assert.equal((await list(handler, '/Users', { filter: 'displayName co "\\u0000"' })).totalResults, 0);
    assert.deepEqual(names(await list(handler, '/Users', { filter: `userName eq "zoë.${suffix}@${adEnv().domain}"` })), ['x)(objectClass=* \\ star']);
    assert.deepEqual(names(await list(handler, '/Users', { filter: `userName eq "plain-${suffix}"` })), ['plain']);
  });

  test('active, not, and, or, id and externalId', async () => {
    assert.deepEqual(names(await list(handler, '/Users', { filter: 'active eq false' })), ['plain']);
    assert.deepEqual(names(await list(handler, '/Users', { filter: 'not (active eq false) and displayName sw "x"' })), ['x)(objectClass=* \\ star', 'x)(objectClass=other']);
    assert.deepEqual(names(await list(handler, '/Users', { filter: 'title eq "Before" or displayName eq "plain"' })), ['plain', 'x)(objectClass=* \\ star']);
    assert.deepEqual(names(await list(handler, '/Users', { filter: `externalId eq "${ids.other}"` })), ['x)(objectClass=other']);
    assert.deepEqual(names(await list(handler, '/Users', { filter: `id ne "${ids.other}" and active eq true` })), ['x)(objectClass=* \\ star']);
    assert.deepEqual(names(await list(handler, '/Users', { filter: `urn:canopy:params:scim:schemas:extension:ad:2.0:Object:objectGUID eq "${ids.plain}"` })), ['plain']);
  });

  test('/Groups/{id} resolves members to ids; errors carry status and scimType', async () => {
    const { status, body } = await get(handler, `/Groups/${ids.group}`);
    assert.equal(status, 200);
    assertValid(body, 'Group');
    const members = (body.members as { value: string; type: string }[]).map((m) => `${m.type}:${m.value}`).sort();
    assert.deepEqual(members, [`User:${ids.meta}`, `User:${ids.other}`].sort());
    assert.equal((await get(handler, `/Users/${ids.group}`)).status, 404);
    const missing = await get(handler, '/Users/00000000-0000-4000-8000-000000000000');
    assert.deepEqual(missing, { status: 404, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404', detail: 'User 00000000-0000-4000-8000-000000000000 not found' } });
    const malformed = await get(handler, '/Users/not-a-guid');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.status, '400');
    const unknown = await get(handler, '/Users', { filter: 'nickName eq "x"' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.scimType, 'invalidFilter');
  });

  test('index and cursor paging', async () => {
    const page = await list(handler, '/Users', { startIndex: '2', count: '1' });
    assert.equal(page.totalResults, 3);
    assert.equal(page.itemsPerPage, 1);
    const seen: string[] = [];
    let cursor = '';
    for (let i = 0; i < 5; i += 1) {
      const next = await list(handler, '/Users', { cursor, count: '1', filter: 'displayName pr' });
      seen.push(...next.Resources.map((r) => String(r.id)));
      if (!next.nextCursor) break;
      cursor = next.nextCursor;
    }
    assert.deepEqual([...seen].sort(), [ids.meta, ids.other, ids.plain].sort());
    const wrong = await get(handler, '/Users', { cursor, filter: 'displayName eq "plain"' });
    assert.equal(wrong.body.scimType, 'invalidCursor');
    const forged = await get(handler, '/Users', { cursor: `${cursor.slice(0, -2)}xx` });
    assert.equal(forged.body.scimType, 'invalidCursor');
  });

  test('/Delta: a full read in pages, then the changes after a modify, a member add and a delete', async () => {
    let watermark: string | undefined;
    const full: Json[] = [];
    for (let i = 0; i < 20; i += 1) {
      const { status, body } = await get(handler, '/Delta', { count: '2', ...(watermark === undefined ? {} : { watermark }) });
      assert.equal(status, 200, JSON.stringify(body));
      assert.ok((body.Resources as Json[]).length <= 2);
      full.push(...(body.Resources as Json[]));
      watermark = String(body.watermark);
      if (!body.more) break;
    }
    assert.deepEqual(full.map((r) => r.id).sort(), [ids.meta, ids.other, ids.plain, ids.group].sort());
    for (const resource of full) assertValid(resource, resource.members ? 'Group' : 'User');

    await admin.modify(dns.meta as string, [new Change({ operation: 'replace', modification: new Attribute({ type: 'title', values: ['After'] }) })]);
    await admin.modify(dns.group as string, [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [dns.plain as string] }) })]);
    await admin.del(dns.other as string);

    const changes: Json[] = [];
    for (let i = 0; i < 10; i += 1) {
      const { status, body } = await get(handler, '/Delta', { watermark: watermark as string });
      assert.equal(status, 200, JSON.stringify(body));
      changes.push(...(body.Resources as Json[]));
      watermark = String(body.watermark);
      if (!body.more) break;
    }
    const byId = new Map(changes.map((c) => [c.id, c]));
    const meta = byId.get(ids.meta);
    assert.equal(meta?.title, 'After');
    // The reader re-reads a changed user whole, so its entry is a complete resource.
    assert.equal(meta?.partial, undefined);
    assertValid(meta as Json, 'User');
    const deleted = byId.get(ids.other);
    assert.equal(deleted?.deleted, true);
    assert.equal(deleted?.reason, 'deleted');
    // A group read with incremental values: member adds and removes, not the whole list.
    const group = byId.get(ids.group);
    assert.equal(group?.partial, true);
    assert.ok(!('members' in (group as Json)));
    assert.deepEqual(group?.memberChanges, {
      added: [{ value: ids.plain, $ref: `/Users/${ids.plain}`, display: 'plain', type: 'User' }],
      removed: [],
    });

    const quiet = await get(handler, '/Delta', { watermark: watermark as string });
    assert.equal(quiet.status, 200);
    assert.equal(quiet.body.more, false);
    assert.deepEqual(quiet.body.Resources, []);
    const bad = await get(handler, '/Delta', { watermark: 'nonsense' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, 'invalidValue');
  });

  test('/Delta: a watermark taken to another agent mid-read replays the read, never skips', async () => {
    // An entry of the reader's first page may be the OU itself, which /Delta leaves out:
    // read on until the first user or group.
    let first = await get(handler, '/Delta', { count: '1' });
    for (let i = 0; i < 3 && (first.body.Resources as Json[]).length === 0; i += 1) first = await get(handler, '/Delta', { count: '1', watermark: String(first.body.watermark) });
    assert.equal(first.body.more, true);
    const firstId = (first.body.Resources as Json[])[0]?.id;
    assert.ok(firstId);
    // Another agent of the same domain: its own service, without this agent's open read.
    const other = createScimHandler({ source: reader });
    const seen: unknown[] = [];
    let watermark = String(first.body.watermark);
    for (let i = 0; i < 10; i += 1) {
      const { status, body } = await get(other, '/Delta', { watermark, count: '1' });
      assert.equal(status, 200, JSON.stringify(body));
      seen.push(...(body.Resources as Json[]).map((r) => r.id));
      watermark = String(body.watermark);
      if (!body.more) break;
    }
    assert.equal(seen[0], firstId, 'the read starts over');
    assert.equal(new Set(seen).size, seen.length);
    assert.equal(seen.length, 3 + (seen.includes(ids.other) ? 1 : 0));
  });

  test('over the local HTTP listener with a plain HTTP client', async () => {
    const response = await fetch(`${http.url}/Users?filter=${encodeURIComponent('displayName eq "plain"')}`, { headers: auth });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/scim\+json/);
    const body = (await response.json()) as List;
    assert.equal(body.totalResults, 1);
    assert.equal(body.Resources[0]?.id, ids.plain);

    const post = await fetch(`${http.url}/Users`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/scim+json', ...auth } });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
    assert.deepEqual(await post.json(), { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '405', detail: "POST is not allowed: the agent's SCIM service is read-only (GET only)" });

    const badFilter = await fetch(`${http.url}/Users?filter=${encodeURIComponent('userName eq')}`, { headers: auth });
    assert.equal(badFilter.status, 400);
    assert.equal(((await badFilter.json()) as Json).scimType, 'invalidFilter');

    const config = await fetch(`${http.url}/ServiceProviderConfig`, { headers: auth });
    assert.equal(((await config.json()) as { filter: { supported: boolean } }).filter.supported, true);
  });
});
