/**
 * End to end over real sockets and real processes: `canopy serve` over HTTPS (a test CA),
 * one agent enrolled with `canopy token create` + `canopy agent register` and run with
 * `canopy agent run` against the Samba DC, the domain enabled with Microsoft's Graph SDK,
 * and the initial sync of the fixture forest checked through the Graph API against AD.
 * One initial sync serves every assertion.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from 'ldapts';
import { createTenantWithAdmin } from '../../src/api/auth/tenant-setup.ts';
import { directoryDatabasePath, openSqliteDirectoryStore } from '../../src/directory/sqlite/store.ts';
import { makeTestCertificates } from '../api/support/test-ca.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { inScopeObjects, loadFixture, normalizeDn, outsideObjects, type FixtureDescription } from '../support/fixture.ts';
import { adminClient, compareCloud, readCloud, readExpected, type CloudState, type Expected } from './support/ad-expected.ts';
import { GraphClient, readBootstrap, requestToken, waitForCycle, type EnabledJob, type Execution } from './support/graph.ts';
import { enrollAgent, runAgent, runCanopy, startServe, stopProcess, type CanopyProcess, type ServeProcess } from './support/processes.ts';

const exec = promisify(execFile);
const SDK_SCRIPT = join(import.meta.dirname, 'support/graph-sdk-script.ts');

describe('e2e: initial sync of the fixture (serve over HTTPS + agent + Samba DC)', { skip: skipReason() }, () => {
  let dir: string;
  let caFile: string;
  let ca: Buffer;
  let serve: ServeProcess;
  let agent: CanopyProcess;
  let graph: GraphClient;
  let fixture: FixtureDescription;
  let ldap: Client;
  let job: EnabledJob;
  let initial: Execution;
  let expected: Expected;
  let cloud: CloudState;
  let softMatchId: string;
  let softMatchDn: string;
  let sdkEnv: NodeJS.ProcessEnv;

  before(async () => {
    fixture = loadFixture();
    dir = mkdtempSync(join(tmpdir(), 'canopy-e2e-fixture-'));
    const certs = makeTestCertificates(dir);
    caFile = certs.caFile;
    ca = readFileSync(caFile);
    serve = await startServe(join(dir, 'service'), { tls: { cert: join(dir, 'server.pem'), key: join(dir, 'server.key') } });
    const credentials = readBootstrap(serve.dataDir);
    graph = new GraphClient(serve.url, credentials, ca);
    agent = await runAgent(await enrollAgent(dir, serve, 'agent1', caFile));
    ldap = await adminClient();
    sdkEnv = {
      ...process.env,
      NODE_EXTRA_CA_CERTS: caFile,
      CANOPY_API_URL: serve.url,
      CANOPY_TENANT_ID: credentials.tenantId,
      CANOPY_CLIENT_ID: credentials.clientId,
      CANOPY_CLIENT_SECRET: credentials.clientSecret,
      CANOPY_DOMAIN: adEnv().domain,
      CANOPY_CONTAINERS: JSON.stringify([fixture.rootDn]),
    };
  });
  after(async () => {
    await ldap?.unbind().catch(() => undefined);
    if (agent) await stopProcess(agent);
    if (serve) await stopProcess(serve.process);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a cloud user created before the first sync, with the mail of an AD user (for the soft match)', async () => {
    const target = inScopeObjects(fixture).find((o) => o.kind === 'user' && o.attributes.mail?.[0] && !o.consistencyGuid)!;
    softMatchDn = normalizeDn(target.dn);
    const created = await graph.expect(201, 'POST', '/v1.0/users', {
      accountEnabled: true,
      displayName: 'Created in the cloud first',
      mailNickname: 'cloudfirst',
      userPrincipalName: `cloud-first@${adEnv().domain}`,
      mail: target.attributes.mail![0],
      passwordProfile: { password: 'Cloud-First-1!' },
    });
    softMatchId = created.id as string;
  });

  test('the Graph SDK over HTTPS (test CA) creates the job, sets the Domain secret and scope, starts it; the initial sync completes', async () => {
    const started = Date.now();
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', SDK_SCRIPT, 'enable'], { env: sdkEnv, timeout: 60_000 });
    const seen = JSON.parse(stdout.trim().split('\n').pop()!) as { spId: string; jobId: string; startedAt: string; schedule: { state: string; interval: string }; code: string };
    assert.equal(seen.schedule.state, 'Active');
    assert.equal(seen.code, 'Active');
    assert.match(seen.jobId, /^AD2AADProvisioning\./);
    job = { spId: seen.spId, jobId: seen.jobId };
    initial = await waitForCycle(graph, job, new Date(seen.startedAt), 240_000);
    const seconds = (Date.now() - started) / 1000;
    const inScope = inScopeObjects(fixture).filter((o) => o.kind === 'user' || o.kind === 'group').length;
    console.log(`# e2e initial sync: ${inScope} objects in ${seconds.toFixed(1)} s (${Math.round(inScope / seconds)} objects/s) through HTTPS, the relay and the agent; ${JSON.stringify(initial)}`);
    assert.equal(initial.error, null, JSON.stringify(initial.error));
    assert.equal(initial.state, 'Succeeded');
    assert.equal(initial.countEscrowed, 0);
  });

  test('every in-scope user and group with the attributes AD holds, all memberships (nested, the big group), nothing out of scope, nothing never-synced', async () => {
    assert.ok(job, 'the initial sync ran');
    expected = await readExpected(ldap, [fixture.rootDn]);
    cloud = await readCloud(graph);
    const users = inScopeObjects(fixture).filter((o) => o.kind === 'user');
    const groups = inScopeObjects(fixture).filter((o) => o.kind === 'group');
    // AD and the fixture description agree before the cloud is compared with AD.
    assert.equal(expected.users.size, users.length);
    assert.equal(expected.groups.size, groups.length);
    for (const o of users) {
      const want = expected.users.get(normalizeDn(o.dn))!;
      assert.equal(want.values.userPrincipalName, o.attributes.userPrincipalName?.[0] ?? null);
      if (o.attributes['mS-DS-ConsistencyGuid']) assert.equal(want.values.onPremisesImmutableId, o.attributes['mS-DS-ConsistencyGuid'][0]);
    }

    const diffs = await compareCloud(graph, expected, cloud);
    assert.deepEqual(diffs.slice(0, 20), [], `${diffs.length} differences`);
    assert.equal(cloud.users.size, users.length);
    assert.equal(cloud.cloudOnlyUsers.length, 0, 'the cloud-first user was attached, not left beside');
    assert.deepEqual(cloud.duplicateAnchors, []);
    assert.equal(cloud.groups.size, groups.length);

    const outside = new Set(outsideObjects(fixture).map((o) => normalizeDn(o.dn)));
    assert.ok(![...cloud.users.keys()].some((dn) => outside.has(dn)), 'nothing of OU=Canopy Outside');
    const sams = new Set([...cloud.users.values()].map((u) => String(u.onPremisesSamAccountName).toLowerCase()));
    for (const excluded of fixture.excluded) if (excluded.sAMAccountName) assert.ok(!sams.has(excluded.sAMAccountName.toLowerCase()), `${excluded.dn} (${excluded.why}) is not synced`);
    for (const o of inScopeObjects(fixture).filter((x) => x.kind === 'computer' || x.kind === 'contact')) {
      assert.ok(!cloud.users.has(normalizeDn(o.dn)), `${o.kind} ${o.dn} is not a cloud user`);
    }

    // Nested groups: level 1 holds level 2 holds level 3, as groups.
    const [l1, l2, l3] = fixture.notable.nesting.map((dn) => expected.groups.get(normalizeDn(dn))!);
    assert.ok(l1!.members.includes(normalizeDn(l2!.dn)) && l2!.members.includes(normalizeDn(l3!.dn)));
    const nestedParents = await graph.get(`/v1.0/groups/${cloud.groups.get(l3!.sid)!.id as string}/memberOf`);
    const parents = [...expected.groups.values()].filter((g) => g.members.includes(normalizeDn(l3!.dn))).map((g) => cloud.groups.get(g.sid)!.id as string);
    assert.ok(parents.includes(cloud.groups.get(l2!.sid)!.id as string));
    assert.deepEqual((nestedParents.value as { id: string }[]).map((g) => g.id).sort(), parents.sort());
  });

  test('managers: inside the OU, across OUs, with escaped DNs; none when the manager is out of scope', async () => {
    const { userWithEscapedManager, userWithCrossOuManager, userWithOutsideManager } = fixture.notable;
    const idToDn = new Map([...cloud.users].map(([dn, u]) => [u.id as string, dn]));
    for (const dn of [userWithEscapedManager, userWithCrossOuManager, userWithOutsideManager]) {
      const want = expected.users.get(normalizeDn(dn))!;
      const answer = await graph.call('GET', `/v1.0/users/${cloud.users.get(normalizeDn(dn))!.id as string}/manager?$select=id`);
      if (want.managerDn === undefined) {
        assert.equal(answer.status, 404, `${dn} has no manager in the cloud`);
      } else {
        assert.equal(answer.status, 200);
        assert.equal(idToDn.get((answer.body as { id: string }).id), want.managerDn, dn);
      }
    }
    assert.equal(expected.users.get(normalizeDn(userWithOutsideManager))!.managerDn, undefined);
  });

  test('synced users through Graph: by UPN, $filter on the anchor and onPremisesSyncEnabled, on-premises attributes read-only (400)', async () => {
    const [dn, user] = [...cloud.users].find(([, u]) => String(u.userPrincipalName).includes('.'))!;
    const byUpn = await graph.get(`/v1.0/users/${encodeURIComponent(user.userPrincipalName as string)}?$select=id,onPremisesDistinguishedName`);
    assert.equal(byUpn.id, user.id);
    assert.equal(normalizeDn(byUpn.onPremisesDistinguishedName as string), dn);
    const filter = encodeURIComponent(`onPremisesImmutableId eq '${user.onPremisesImmutableId as string}'`);
    const byAnchor = await graph.get(`/v1.0/users?$filter=${filter}&$select=id`);
    assert.deepEqual((byAnchor.value as { id: string }[]).map((u) => u.id), [user.id]);
    const synced = await graph.get(`/v1.0/users?$filter=${encodeURIComponent('onPremisesSyncEnabled eq true')}&$count=true&$top=1&$select=id`, { ConsistencyLevel: 'eventual' });
    assert.equal(synced['@odata.count'], expected.users.size);
    const patched = await graph.call('PATCH', `/v1.0/users/${user.id as string}`, { displayName: 'edited in the cloud' });
    assert.equal(patched.status, 400);
    assert.equal((patched.body as { error: { code: string } }).error.code, 'Request_BadRequest');
  });

  test('the big group: its members paged through /groups/{id}/members, counted with $count', async () => {
    const big = expected.groups.get(normalizeDn(fixture.notable.bigGroup))!;
    assert.ok(big.members.length >= 3000, `${big.members.length} members`);
    const id = cloud.groups.get(big.sid)!.id as string;
    const eventual = { ConsistencyLevel: 'eventual' };
    const pages = { count: 0 };
    const seen = new Set<string>();
    for await (const member of graph.all(`/v1.0/groups/${id}/members?$select=id&$top=500`, undefined, pages)) seen.add(member.id as string);
    assert.equal(seen.size, big.members.length);
    assert.equal(pages.count, Math.ceil(big.members.length / 500));
    const counted = await graph.get(`/v1.0/groups/${id}/members?$count=true&$top=1&$select=id`, eventual);
    assert.equal(counted['@odata.count'], big.members.length);
    const text = await graph.call('GET', `/v1.0/groups/${id}/members/$count`, undefined, eventual);
    assert.equal(Number(text.body), big.members.length);
  });

  test('soft match: the cloud-first user with the same mail became the synced user (same id, now anchored)', async () => {
    const user = cloud.users.get(softMatchDn)!;
    assert.equal(user.id, softMatchId);
    assert.equal(user.onPremisesSyncEnabled, true);
    assert.equal(user.onPremisesImmutableId, expected.users.get(softMatchDn)!.values.onPremisesImmutableId);
    assert.equal(user.userPrincipalName, expected.users.get(softMatchDn)!.values.userPrincipalName, 'AD wins on the attributes it masters');
  });

  test('the Graph SDK pages through every user and reads the big group\'s members', async () => {
    const big = expected.groups.get(normalizeDn(fixture.notable.bigGroup))!;
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', SDK_SCRIPT, 'read'], { env: { ...sdkEnv, CANOPY_GROUP_ID: cloud.groups.get(big.sid)!.id as string }, timeout: 120_000 });
    const seen = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
    assert.equal(seen.users, expected.users.size);
    assert.equal(seen.distinctUsers, expected.users.size);
    assert.equal(seen.anchored, expected.users.size);
    assert.equal(seen.userPages, Math.ceil(expected.users.size / 500));
    assert.equal(seen.members, big.members.length);
    assert.equal(seen.distinctMembers, big.members.length);
    assert.equal(seen.memberCount, big.members.length);
  });

  test('no token → 401; tenant B\'s token on tenant A → 403, and B sees none of A\'s objects', async () => {
    assert.equal(await fetchStatus(`${serve.url}/v1.0/users`, ca), 401);
    assert.equal(await fetchStatus(`${serve.url}/canopy/v1/status`, ca), 401);
    const bad = await new GraphClient(serve.url, { tenantId: graph.credentials.tenantId, clientId: graph.credentials.clientId, clientSecret: 'wrong' }, ca).call('GET', '/v1.0/users').catch((e: Error) => e);
    assert.ok(bad instanceof Error && /token request failed \(401\)/.test(bad.message));
    // A second tenant in the same service (what `canopy serve` bootstraps, once more).
    const store = openSqliteDirectoryStore(directoryDatabasePath(serve.dataDir));
    const b = await createTenantWithAdmin(store, { displayName: 'Tenant B' });
    await store.close();
    const aAtB = await requestToken(serve.url, { tenantId: b.tenantId, clientId: graph.credentials.clientId, clientSecret: graph.credentials.clientSecret }, ca);
    assert.equal(aAtB.status, 401, "A's credentials do not get a token at B's token endpoint");
    const graphB = new GraphClient(serve.url, b, ca);
    assert.equal((await graphB.call('GET', `/v1.0/organization/${graph.credentials.tenantId}`)).status, 403);
    assert.equal((await graphB.call('GET', '/v1.0/users', undefined, { 'X-Canopy-Tenant-Id': graph.credentials.tenantId })).status, 403);
    assert.equal((await graph.call('GET', `/v1.0/organization/${b.tenantId}`)).status, 403);
    const bUsers = await graphB.get('/v1.0/users?$top=5');
    assert.deepEqual(bUsers.value, []);
    const someone = [...cloud.users.values()][0]!;
    assert.equal((await graphB.call('GET', `/v1.0/users/${someone.id as string}`)).status, 404);
  });

  test('canopy status: the agent, the job (domain, state, interval) and the last cycle with its counts', async () => {
    const status = await runCanopy(['status', '--json', '--data', serve.dataDir, '--ca-file', caFile]);
    assert.equal(status.code, 0, status.output.join('\n'));
    const body = JSON.parse(status.stdout) as { agents: { state: string; domains: string[] }[]; jobs: { id: string; domain: string; state: string; interval: string; current: { running: boolean } | null; lastExecution: Execution }[] };
    assert.equal(body.agents.length, 1);
    assert.equal(body.agents[0]!.state, 'connected');
    const [row] = body.jobs;
    assert.equal(row!.id, job.jobId);
    assert.equal(row!.domain, adEnv().domain);
    assert.equal(row!.state, 'Active');
    assert.equal(row!.interval, 'PT2M');
    assert.ok(row!.current, 'scheduled');
    assert.ok(row!.lastExecution.countImported >= expected.users.size + expected.groups.size);
    const text = await runCanopy(['status', '--data', serve.dataDir, '--ca-file', caFile]);
    assert.match(text.stdout, new RegExp(`${job.jobId.replace('.', '\\.')}\\s+AD2AADProvisioning\\s+${adEnv().domain.replaceAll('.', '\\.')}\\s+Active\\s+PT2M`));
    assert.match(text.stdout, /(Succeeded|EntryLevelErrors) \S+ \(imported \d+, exported \d+, escrowed \d+\)/);
  });
});

/** A request without any Authorization header. */
async function fetchStatus(url: string, ca: Buffer): Promise<number> {
  const { httpJson } = await import('../../src/agent/http-json.ts');
  return (await httpJson(url, { ca })).status;
}
