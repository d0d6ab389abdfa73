/**
 * Two AD domains of one tenant, each with its own configuration and agent, sync into one
 * directory without touching each other's objects (issue 8). The shared test DC
 * (CANOPY_TEST_AD_*) is the first domain; a second Samba realm, provisioned by
 * scripts/samba-dc.sh in its own folder on 127.0.0.5 (test/e2e/support/second-dc.ts), is the
 * second. One `canopy serve`; per domain an agent of its own and a configuration enabled by
 * docs/examples/enable-domain.sh (the README's requests: the cloud sync template instantiated
 * once per domain, a job, the Domain secret, the scope). Per-run OUs on both DCs.
 *
 * Checked: both domains' users and groups are in the directory, a group of the same name in
 * each stays two groups; a user of the second domain whose address belongs to a synced user of
 * the first is a conflict of the second job and does not take that user over; a delete and a
 * move out of scope in one domain, and a scope change (with a full restart) of one job, leave
 * the other domain's objects as they were; provisioning logs and job status are per job.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change, Control, type Client } from 'ldapts';
import { adEnv, skipReason, type AdTestEnv } from '../support/ad-env.ts';
import { adminClientOf, ensureSecondDc, secondDcSkipReason } from './support/second-dc.ts';
import { GraphClient, jobPath, readBootstrap, runCycleNow, waitForCycle, type EnabledJob, type Execution } from './support/graph.ts';
import { enrollAgent, runAgent, startServe, stopProcess, type CanopyProcess, type ServeProcess } from './support/processes.ts';

const run = promisify(execFile);
const ENABLE_DOMAIN = join(import.meta.dirname, '../../docs/examples/enable-domain.sh');
const TREE_DELETE = '1.2.840.113556.1.4.805';

type Json = Record<string, unknown>;

/** One domain of the test: its DC, the admin's LDAP connection, the per-run OUs, its agent and job. */
interface Domain {
  ad: AdTestEnv;
  ldap: Client;
  root: string;
  inside: string;
  outside: string;
  empty: string;
  agent?: CanopyProcess;
  job?: EnabledJob;
}

describe('e2e: two AD domains of one tenant, each its own configuration and agent, in one directory', { skip: skipReason() ?? secondDcSkipReason(), timeout: 900_000 }, () => {
  const tag = randomBytes(3).toString('hex');
  let dir: string;
  let serve: ServeProcess;
  let graph: GraphClient;
  let one: Domain;
  let two: Domain;

  async function makeDomain(ad: AdTestEnv): Promise<Domain> {
    const ldap = await adminClientOf(ad);
    const root = `OU=two-${tag},${ad.baseDn}`;
    const domain = { ad, ldap, root, inside: `OU=In,${root}`, outside: `OU=Out,${root}`, empty: `OU=Empty,${root}` };
    for (const ou of [root, domain.inside, domain.outside, domain.empty]) await ldap.add(ou, { objectClass: ['top', 'organizationalUnit'] });
    return domain;
  }

  async function addUser(d: Domain, cn: string, extra: Record<string, string | string[]> = {}): Promise<string> {
    const dn = `CN=${cn},${d.inside}`;
    const name = `${cn.toLowerCase()}-${tag}`;
    await d.ldap.add(dn, {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: name,
      userPrincipalName: `${name}@${d.ad.domain}`,
      mail: `${name}@${d.ad.domain}`,
      givenName: cn,
      sn: `Two-${tag}`,
      displayName: `${cn} ${d.ad.netbios}`,
      // NORMAL_ACCOUNT | PASSWD_NOTREQD (MS-ADTS 2.2.16): enabled without a password.
      userAccountControl: '544',
      ...extra,
    });
    return dn;
  }

  /** docs/examples/enable-domain.sh as the README runs it: a configuration, a job, the Domain secret, the scope, start. */
  async function enable(d: Domain): Promise<EnabledJob> {
    const { stdout } = await run('bash', [ENABLE_DOMAIN], {
      env: { ...process.env, API: serve.url, BOOTSTRAP: join(serve.dataDir, 'bootstrap.json'), DOMAIN: d.ad.domain, SCOPE: d.inside, INTERVAL: 'PT1H' },
      timeout: 60_000,
    });
    const match = /enabled (\S+): servicePrincipal (\S+), job (\S+)/.exec(stdout);
    assert.ok(match, `enable-domain.sh said: ${stdout}`);
    assert.equal(match[1], d.ad.domain);
    return { spId: match[2]!, jobId: match[3]! };
  }

  async function startAgent(d: Domain, name: string): Promise<CanopyProcess> {
    const enrolled = await enrollAgent(dir, serve, name, undefined, undefined, d.ad);
    // The test starts each cycle itself; AD change signals would start cycles of their own.
    const config = JSON.parse(readFileSync(enrolled.config, 'utf8')) as { domains: { ad: Record<string, unknown> }[] };
    Object.assign(config.domains[0]!.ad, { changeNotifications: false, changePollMs: 0 });
    writeFileSync(enrolled.config, JSON.stringify(config, null, 2));
    return runAgent(enrolled);
  }

  /** The directory as Graph shows it: every live user and group, and each group's member ids. */
  async function cloud(): Promise<{ users: Json[]; groups: (Json & { members: string[] })[] }> {
    const users: Json[] = [];
    for await (const user of graph.all('/v1.0/users?$top=999&$select=id,userPrincipalName,mail,onPremisesSyncEnabled,onPremisesDomainName,onPremisesDistinguishedName,onPremisesSamAccountName,onPremisesImmutableId')) users.push(user);
    const groups: (Json & { members: string[] })[] = [];
    for await (const group of graph.all('/v1.0/groups?$top=999&$select=id,displayName,onPremisesSyncEnabled,onPremisesDomainName,onPremisesSecurityIdentifier,onPremisesSamAccountName')) {
      const members: string[] = [];
      for await (const member of graph.all(`/v1.0/groups/${group.id as string}/members?$select=id&$top=999`)) members.push(member.id as string);
      groups.push({ ...group, members: members.sort() });
    }
    return { users, groups };
  }

  const ofDomain = (objects: Json[], d: Domain) => objects.filter((o) => String(o.onPremisesDomainName).toLowerCase() === d.ad.domain.toLowerCase());
  const sams = (objects: Json[]) => objects.map((o) => String(o.onPremisesSamAccountName)).sort();
  const snapshot = (objects: Json[]) => JSON.stringify([...objects].sort((a, b) => String(a.id).localeCompare(String(b.id))));

  async function logsOf(job: EnabledJob, cycle?: Execution): Promise<Json[]> {
    const filter = `jobId eq '${job.jobId}'${cycle ? ` and cycleId eq '${cycle.activityIdentifier}'` : ''}`;
    const entries: Json[] = [];
    for await (const entry of graph.all(`/v1.0/auditLogs/provisioning?$filter=${encodeURIComponent(filter)}&$top=500`)) entries.push(entry);
    return entries;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-e2e-two-'));
    const second = await ensureSecondDc();
    assert.notEqual(second.domain.toLowerCase(), adEnv().domain.toLowerCase(), 'two different realms');
    one = await makeDomain(adEnv());
    two = await makeDomain(second);
    serve = await startServe(join(dir, 'service'));
    graph = new GraphClient(serve.url, readBootstrap(serve.dataDir));
    one.agent = await startAgent(one, 'agent-one');
    two.agent = await startAgent(two, 'agent-two');
  });
  after(async () => {
    for (const d of [one, two]) {
      if (!d) continue;
      await d.ldap.del(d.root, new Control(TREE_DELETE, { critical: true })).catch(() => undefined);
      await d.ldap.unbind().catch(() => undefined);
      if (d.agent) await stopProcess(d.agent);
    }
    if (serve) await stopProcess(serve.process);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let first: { one: Execution; two: Execution };

  test('both domains enabled through the walkthrough requests: their users and groups are in the one directory', async () => {
    const annOne = await addUser(one, 'Ann');
    const bobOne = await addUser(one, 'Bob');
    await one.ldap.add(`CN=Team-${tag},${one.inside}`, { objectClass: ['top', 'group'], sAMAccountName: `team-${tag}`, member: [annOne, bobOne] });
    // The same account names in the second domain (only the UPN suffix differs), and a group of the same name.
    // Exchange's extension attributes exist in the second realm's schema only.
    const annTwo = await addUser(two, 'Ann', { extensionAttribute1: 'cost centre 42', extensionAttribute15: 'fifteen' });
    const cyd = await addUser(two, 'Cyd');
    await addUser(two, 'Dee');
    await two.ldap.add(`CN=Team-${tag},${two.inside}`, { objectClass: ['top', 'group'], sAMAccountName: `team-${tag}`, member: [annTwo, cyd] });
    // Mel's primary address is Ann's of the first domain: a soft match would take Ann over.
    await addUser(two, 'Mel', { mail: `ann-${tag}@${one.ad.domain}`, proxyAddresses: [`SMTP:ann-${tag}@${one.ad.domain}`] });

    const since = new Date();
    one.job = await enable(one);
    const oneCycle = await waitForCycle(graph, one.job, since);
    const sinceTwo = new Date();
    two.job = await enable(two);
    const twoCycle = await waitForCycle(graph, two.job, sinceTwo);
    first = { one: oneCycle, two: twoCycle };
    assert.notEqual(one.job.spId, two.job.spId, 'a configuration (service principal) per domain');
    assert.equal(oneCycle.error, null);
    assert.equal(oneCycle.state, 'Succeeded', JSON.stringify(oneCycle));
    assert.equal(twoCycle.error, null);
    assert.equal(twoCycle.state, 'EntryLevelErrors', 'Mel is a conflict');
    assert.equal(twoCycle.countEscrowed, 1);

    const { users, groups } = await cloud();
    assert.equal(users.length, 5, `Ann, Bob; Ann, Cyd, Dee — not Mel: ${JSON.stringify(users)}`);
    assert.deepEqual(sams(ofDomain(users, one)), [`ann-${tag}`, `bob-${tag}`]);
    assert.deepEqual(sams(ofDomain(users, two)), [`ann-${tag}`, `cyd-${tag}`, `dee-${tag}`]);
    const ann = ofDomain(users, one).find((u) => u.onPremisesSamAccountName === `ann-${tag}`)!;
    assert.equal(ann.userPrincipalName, `ann-${tag}@${one.ad.domain}`);
    assert.equal(String(ann.onPremisesDistinguishedName).toLowerCase(), annOne.toLowerCase(), 'Ann of the first domain was not taken over by Mel');
    assert.equal(groups.length, 2, 'a group of the same name in each domain: two groups');
    const [teamOne, teamTwo] = [ofDomain(groups, one), ofDomain(groups, two)].map((g) => g[0] as Json & { members: string[] });
    assert.ok(teamOne && teamTwo);
    assert.notEqual(teamOne.onPremisesSecurityIdentifier, teamTwo.onPremisesSecurityIdentifier);
    assert.deepEqual(teamOne.members, ofDomain(users, one).map((u) => u.id as string).sort(), 'members of the first domain only');
    const twoIds = Object.fromEntries(ofDomain(users, two).map((u) => [u.onPremisesSamAccountName, u.id]));
    assert.deepEqual(teamTwo.members, [twoIds[`ann-${tag}`], twoIds[`cyd-${tag}`]].sort());
  });

  test('provisioning logs and job status are per job', async () => {
    const [logsOne, logsTwo] = [await logsOf(one.job!), await logsOf(two.job!)];
    const sourceNames = (entries: Json[]) => entries.map((e) => String((e.sourceIdentity as Json).displayName));
    const targetIds = (entries: Json[]) => new Set(entries.map((e) => (e.targetIdentity as Json | null)?.id).filter(Boolean));
    const { users, groups } = await cloud();
    const idsOf = (d: Domain) => new Set([...ofDomain(users, d), ...ofDomain(groups, d)].map((o) => o.id));
    for (const id of targetIds(logsOne)) assert.ok(idsOf(one).has(id), `job one logged an object of the first domain only (${String(id)})`);
    for (const id of targetIds(logsTwo)) assert.ok(idsOf(two).has(id), `job two logged an object of the second domain only (${String(id)})`);
    assert.equal(targetIds(logsOne).size, 3, 'Ann, Bob and Team of the first domain');
    assert.equal(targetIds(logsTwo).size, 4, 'Ann, Cyd, Dee and Team of the second domain');
    const failures = logsTwo.filter((e) => (e.provisioningStatusInfo as Json).status === 'failure');
    assert.equal(failures.length, 1);
    assert.match(JSON.stringify(failures[0]), /Mel/);
    assert.ok(!logsOne.some((e) => (e.provisioningStatusInfo as Json).status === 'failure'), 'the conflict is the second job\'s, not the first\'s');
    assert.ok(!sourceNames(logsOne).some((n) => /Cyd|Dee|Mel/.test(n)));

    const jobOne = await graph.get(jobPath(one.job!));
    const jobTwo = await graph.get(jobPath(two.job!));
    const last = (job: Json) => (job.status as { lastExecution: Execution }).lastExecution;
    assert.equal(last(jobOne).activityIdentifier, first.one.activityIdentifier);
    assert.equal(last(jobTwo).activityIdentifier, first.two.activityIdentifier);
    assert.equal(last(jobOne).countExported, 3);
    assert.equal(last(jobTwo).countExported, 4);
    const settings = (job: Json) => (job.synchronizationJobSettings as { name: string; value: string }[]).find((s) => s.name === 'DomainFQDN')?.value;
    assert.equal(settings(jobOne), one.ad.domain);
    assert.equal(settings(jobTwo), two.ad.domain);
    // Each configuration holds its own secrets: the Domain secret names its own domain.
    const secretsTwo = await graph.get(`/v1.0/servicePrincipals/${two.job!.spId}/synchronization/secrets`);
    assert.equal((secretsTwo.value as { key: string; value: string }[]).find((s) => s.key === 'Domain')?.value, JSON.stringify({ domain: two.ad.domain }));
  });

  test("AD's extensionAttribute1–15 reach Graph's onPremisesExtensionAttributes, and follow changes", async () => {
    const extensions = async (d: Domain) => {
      const { users } = await cloud();
      const ann = ofDomain(users, d).find((u) => u.onPremisesSamAccountName === `ann-${tag}`)!;
      return (await graph.get(`/v1.0/users/${ann.id as string}?$select=onPremisesExtensionAttributes`)).onPremisesExtensionAttributes as Record<string, string | null>;
    };
    const initial = await extensions(two);
    assert.equal(Object.keys(initial).length, 15);
    assert.equal(initial.extensionAttribute1, 'cost centre 42');
    assert.equal(initial.extensionAttribute15, 'fifteen');
    assert.equal(initial.extensionAttribute2, null);
    assert.ok(Object.values(await extensions(one)).every((v) => v === null), 'the first domain has no Exchange schema: all null');
    // One changed, one cleared, one added in AD: the next cycle carries each.
    await two.ldap.modify(`CN=Ann,${two.inside}`, [
      new Change({ operation: 'replace', modification: new Attribute({ type: 'extensionAttribute1', values: ['cost centre 43'] }) }),
      new Change({ operation: 'delete', modification: new Attribute({ type: 'extensionAttribute15' }) }),
      new Change({ operation: 'replace', modification: new Attribute({ type: 'extensionAttribute7', values: ['seven'] }) }),
    ]);
    const cycle = await runCycleNow(graph, two.job!);
    assert.equal(cycle.error, null);
    const next = await extensions(two);
    assert.equal(next.extensionAttribute1, 'cost centre 43');
    assert.equal(next.extensionAttribute7, 'seven');
    assert.equal(next.extensionAttribute15, null);
  });

  test('a delete and a move out of scope in the second domain leave the first domain\'s objects as they were', async () => {
    const before = await cloud();
    const oneUsersBefore = snapshot(ofDomain(before.users, one));
    const oneGroupsBefore = snapshot(ofDomain(before.groups, one));
    await two.ldap.del(`CN=Cyd,${two.inside}`);
    await two.ldap.modifyDN(`CN=Dee,${two.inside}`, `CN=Dee,${two.outside}`);

    const cycle = await runCycleNow(graph, two.job!);
    assert.equal(cycle.error, null);
    const afterwards = await cloud();
    assert.deepEqual(sams(ofDomain(afterwards.users, two)), [`ann-${tag}`]);
    assert.equal(snapshot(ofDomain(afterwards.users, one)), oneUsersBefore, 'the first domain\'s users are untouched');
    assert.equal(snapshot(ofDomain(afterwards.groups, one)), oneGroupsBefore, 'the first domain\'s group and its members are untouched');
    const teamTwo = ofDomain(afterwards.groups, two)[0] as { members: string[] };
    assert.equal(teamTwo.members.length, 1, 'Cyd left the second domain\'s group');
    const deleted = await graph.get('/v1.0/directory/deletedItems/microsoft.graph.user?$top=999&$select=id,onPremisesDomainName,onPremisesSamAccountName');
    assert.deepEqual((deleted.value as Json[]).map((u) => `${String(u.onPremisesSamAccountName)}@${String(u.onPremisesDomainName).toLowerCase()}`).sort(),
      [`cyd-${tag}@${two.ad.domain}`, `dee-${tag}@${two.ad.domain}`]);
    const lastOne = (await graph.get(jobPath(one.job!))).status as { lastExecution: Execution };
    assert.equal(lastOne.lastExecution.activityIdentifier, first.one.activityIdentifier, 'the first job did not run');

    // The first job's next cycle changes nothing of either domain.
    const cycleOne = await runCycleNow(graph, one.job!);
    assert.equal(cycleOne.error, null);
    assert.equal(cycleOne.countExported, 0, JSON.stringify(cycleOne));
    const again = await cloud();
    assert.equal(snapshot(again.users), snapshot(afterwards.users));
  });

  test('a scope change and a full restart of the first job remove its objects only', async () => {
    const before = await cloud();
    const twoUsersBefore = snapshot(ofDomain(before.users, two));
    const twoGroupsBefore = snapshot(ofDomain(before.groups, two));
    const base = `/v1.0/servicePrincipals/${one.job!.spId}/synchronization/jobs/${one.job!.jobId}`;
    const schema = await graph.get(`${base}/schema`);
    (schema.synchronizationRules as { containerFilter: { includedContainers: string[] } }[])[0]!.containerFilter = { includedContainers: [one.empty] };
    await graph.expect(204, 'PUT', `${base}/schema`, schema);
    // A restart runs a cycle at once.
    const since = new Date();
    await graph.expect(204, 'POST', `${base}/restart`, { criteria: { resetScope: 'Full' } });
    const cycle = await waitForCycle(graph, one.job!, since);
    assert.equal(cycle.error, null);
    const afterwards = await cloud();
    assert.deepEqual(ofDomain(afterwards.users, one), [], 'the first domain\'s users left the scope');
    assert.deepEqual(ofDomain(afterwards.groups, one), []);
    assert.equal(snapshot(ofDomain(afterwards.users, two)), twoUsersBefore, 'the second domain\'s users are untouched');
    assert.equal(snapshot(ofDomain(afterwards.groups, two)), twoGroupsBefore, 'the second domain\'s group is untouched');
    const deletes = (await logsOf(one.job!, cycle)).filter((e) => e.provisioningAction === 'delete');
    assert.equal(deletes.length, 3, 'Ann, Bob and Team of the first domain');
    const twoIds = new Set([...ofDomain(before.users, two), ...ofDomain(before.groups, two)].map((o) => o.id));
    assert.ok(deletes.every((e) => !twoIds.has((e.targetIdentity as Json).id)));

    // The second job's next cycle finds its objects where they were; Mel, whose address is no
    // longer held by a synced user, is now created (its escrow retried), as Entra would.
    const cycleTwo = await runCycleNow(graph, two.job!);
    assert.equal(cycleTwo.error, null);
    assert.equal(cycleTwo.state, 'Succeeded', JSON.stringify(cycleTwo));
    const usersTwo = ofDomain((await cloud()).users, two);
    assert.equal(snapshot(usersTwo.filter((u) => u.onPremisesSamAccountName !== `mel-${tag}`)), twoUsersBefore);
    assert.equal(usersTwo.find((u) => u.onPremisesSamAccountName === `mel-${tag}`)?.mail, `ann-${tag}@${one.ad.domain}`);
  });
});
