/**
 * End to end, incremental: a service and an agent as real processes, a job scoped (through
 * its schema's containerFilter) to OU=In of a per-run OU. Changes made in AD as the
 * Administrator — add, modify, rename, move, move out of scope, move into scope, disable,
 * delete, restore — and, after each cycle, the cloud compared with AD attribute by attribute,
 * members and managers included. Also: a UPN clash with a cloud-only user is a per-object
 * error in the provisioning logs while the rest of the cycle completes, and its escrow clears
 * on the next cycle once an admin renames the cloud-only user (no change in AD).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Control, type Client } from 'ldapts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { normalizeDn } from '../support/fixture.ts';
import { adminClient, compareCloud, readCloud, readExpected, type CloudState } from './support/ad-expected.ts';
import { GraphClient, enableDomain, readBootstrap, runCycleNow, waitForCycle, type EnabledJob, type Execution } from './support/graph.ts';
import { enrollAgent, runAgent, startServe, stopProcess, type CanopyProcess, type ServeProcess } from './support/processes.ts';

const SHOW_DELETED = '1.2.840.113556.1.4.417';

describe('e2e: AD changes reach the cloud on the next cycle (per-run OU)', { skip: skipReason() }, () => {
  const suffix = randomBytes(3).toString('hex');
  let dir: string;
  let serve: ServeProcess;
  let agent: CanopyProcess;
  let graph: GraphClient;
  let ldap: Client;
  let job: EnabledJob;
  let root: string;
  let inside: string;
  let sub: string;
  let outside: string;
  const domain = () => adEnv().domain;
  const clashUpn = () => `clash.${suffix}@${domain()}`;

  async function addUser(cn: string, ou: string, extra: Record<string, string | string[]> = {}): Promise<string> {
    const dn = `CN=${cn},${ou}`;
    const name = cn.toLowerCase().replace(/[^a-z]/g, '');
    await ldap.add(dn, {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: `${name}-${suffix}`,
      userPrincipalName: `${name}.${suffix}@${domain()}`,
      mail: `${name}.${suffix}@${domain()}`,
      proxyAddresses: [`SMTP:${name}.${suffix}@${domain()}`],
      givenName: cn,
      sn: `Test-${suffix}`,
      displayName: `${cn} Test`,
      title: 'Engineer',
      department: 'R&D',
      // NORMAL_ACCOUNT | PASSWD_NOTREQD (MS-ADTS 2.2.16): enabled without a password.
      userAccountControl: '544',
      ...extra,
    });
    return dn;
  }
  const modify = (dn: string, changes: Record<string, string[]>) =>
    ldap.modify(dn, Object.entries(changes).map(([type, values]) => new Change({ operation: 'replace', modification: new Attribute({ type, values }) })));

  /** Every difference between AD (under OU=In) and the cloud, and the cloud as read. */
  async function differences(options: { except?: readonly string[] } = {}): Promise<{ diffs: string[]; cloud: CloudState }> {
    const expected = await readExpected(ldap, [inside]);
    for (const dn of options.except ?? []) expected.users.delete(normalizeDn(dn));
    const cloud = await readCloud(graph);
    return { diffs: await compareCloud(graph, expected, cloud, { managers: true }), cloud };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-e2e-delta-'));
    serve = await startServe(join(dir, 'service'));
    graph = new GraphClient(serve.url, readBootstrap(serve.dataDir));
    // This suite asserts what each cycle it starts contains; AD change signals would start
    // cycles of their own in between (test/e2e/change-notification.test.ts covers those).
    const enrolled = await enrollAgent(dir, serve, 'agent1');
    const config = JSON.parse(readFileSync(enrolled.config, 'utf8')) as { domains: { ad: Record<string, unknown> }[] };
    Object.assign(config.domains[0]!.ad, { changeNotifications: false, changePollMs: 0 });
    writeFileSync(enrolled.config, JSON.stringify(config, null, 2));
    agent = await runAgent(enrolled);
    ldap = await adminClient();
    root = `OU=e2e-${suffix},${adEnv().baseDn}`;
    inside = `OU=In,${root}`;
    sub = `OU=Sub,${inside}`;
    outside = `OU=Out,${root}`;
    for (const ou of [root, inside, sub, outside]) await ldap.add(ou, { objectClass: ['top', 'organizationalUnit'] });
  });
  after(async () => {
    if (ldap) {
      // Leaves the DC as it was: the per-run OU and everything below it, deepest first.
      const { searchEntries } = await ldap.search(root, { scope: 'sub', attributes: ['1.1'] }).catch(() => ({ searchEntries: [] as { dn: string }[] }));
      for (const entry of searchEntries.sort((a, b) => b.dn.length - a.dn.length)) await ldap.del(entry.dn).catch(() => undefined);
      await ldap.unbind().catch(() => undefined);
    }
    if (agent) await stopProcess(agent);
    if (serve) await stopProcess(serve.process);
    rmSync(dir, { recursive: true, force: true });
  });

  let clashDn: string;
  let first: Execution;

  test('first cycle: the OU=In users and groups; a UPN clash with a cloud-only user is a logged per-object error, the rest completes', async () => {
    await graph.expect(201, 'POST', '/v1.0/users', {
      accountEnabled: true, displayName: 'Cloud only', mailNickname: `cloudonly${suffix}`, userPrincipalName: clashUpn(),
      mail: `cloud-only.${suffix}@example.org`, passwordProfile: { password: 'Cloud-Only-1!' },
    });
    const alice = await addUser('Alice', inside, { telephoneNumber: '+1 555 0100' });
    const bob = await addUser('Bob', inside, { manager: alice });
    await addUser('Carol', inside);
    await addUser('Dave', inside);
    await addUser('Erin', inside);
    await addUser('Hank', inside);
    await addUser('Frank', outside);
    clashDn = await addUser('Clash', inside, { userPrincipalName: clashUpn() });
    await ldap.add(`CN=Team-${suffix},${inside}`, { objectClass: ['top', 'group'], sAMAccountName: `team-${suffix}`, description: 'The team', member: [alice, bob] });
    await ldap.add(`CN=Club-${suffix},${inside}`, { objectClass: ['top', 'group'], sAMAccountName: `club-${suffix}`, member: [`CN=Team-${suffix},${inside}`] });

    const since = new Date();
    job = await enableDomain(graph, { domain: domain(), containers: [inside] });
    first = await waitForCycle(graph, job, since);
    assert.equal(first.error, null);
    assert.equal(first.state, 'EntryLevelErrors');
    assert.equal(first.countEscrowed, 1, 'only the clashing user failed');

    const { diffs, cloud } = await differences({ except: [clashDn] });
    assert.deepEqual(diffs, []);
    assert.equal(cloud.users.size, 6, 'six users of OU=In; not Frank (OU=Out), not the clashing one');
    assert.equal(cloud.cloudOnlyUsers.length, 1);
    assert.equal(cloud.cloudOnlyUsers[0]!.userPrincipalName, clashUpn(), 'the cloud-only user is untouched');

    type LogEntry = { sourceIdentity: { id: string; displayName?: string }; provisioningStatusInfo: { status: string; errorInformation: { errorCode?: string; reason?: string } | null } };
    const entries: LogEntry[] = [];
    const filter = encodeURIComponent(`jobId eq '${job.jobId}' and cycleId eq '${first.activityIdentifier}'`);
    for await (const entry of graph.all<LogEntry>(`/v1.0/auditLogs/provisioning?$filter=${filter}&$top=500`)) entries.push(entry);
    const failures = entries.filter((e) => e.provisioningStatusInfo.status === 'failure');
    assert.equal(failures.length, 1, JSON.stringify(entries.map((e) => [e.sourceIdentity.displayName, e.provisioningStatusInfo])));
    assert.match(JSON.stringify(failures[0]), /clash/i);
    const byStatus: Record<string, number> = {};
    for (const e of entries) byStatus[e.provisioningStatusInfo.status] = (byStatus[e.provisioningStatusInfo.status] ?? 0) + 1;
    assert.equal(new Set(entries.map((e) => (e as unknown as { id: string }).id)).size, entries.length, 'no log entry twice');
    // A warning is a processed object with a note (a reference resolved later in the cycle).
    assert.equal((byStatus.success ?? 0) + (byStatus.warning ?? 0), 8, `the other objects were processed: ${JSON.stringify(byStatus)}, ${entries.length} entries, imported ${first.countImported}`);
    assert.match(JSON.stringify(failures[0]!.provisioningStatusInfo.errorInformation), /userPrincipalName/);
  });

  test('add, modify, rename, move, move out of and into scope, disable, delete: the next cycle makes the cloud match AD', async () => {
    const before = await readCloud(graph);
    const idOf = (cn: string) => [...before.users.values()].find((u) => String(u.onPremisesSamAccountName) === `${cn}-${suffix}`)!.id as string;
    const hankId = idOf('hank');
    const daveId = idOf('dave');
    const carolId = idOf('carol');

    const gina = await addUser('Gina', inside, { manager: `CN=Alice,${inside}` });
    await modify(`CN=Team-${suffix},${inside}`, { member: [`CN=Alice,${inside}`, gina] });
    await modify(`CN=Alice,${inside}`, { title: ['Director'], department: ['Sales'], telephoneNumber: ['+1 555 0199'], mail: [`alice.new.${suffix}@${domain()}`], proxyAddresses: [`SMTP:alice.new.${suffix}@${domain()}`, `smtp:alice.${suffix}@${domain()}`] });
    await ldap.modifyDN(`CN=Carol,${inside}`, `CN=Caroline`);
    await modify(`CN=Caroline,${inside}`, { userPrincipalName: [`caroline.${suffix}@${domain()}`], displayName: ['Caroline Test'] });
    await ldap.modifyDN(`CN=Dave,${inside}`, `CN=Dave,${sub}`);
    await ldap.modifyDN(`CN=Erin,${inside}`, `CN=Erin,${outside}`);
    await ldap.modifyDN(`CN=Frank,${outside}`, `CN=Frank,${inside}`);
    await modify(`CN=Bob,${inside}`, { userAccountControl: ['546'] });
    await ldap.del(`CN=Hank,${inside}`);
    await modify(`CN=Club-${suffix},${inside}`, { description: ['Now described'] });
    await ldap.modify(`CN=Bob,${inside}`, new Change({ operation: 'delete', modification: new Attribute({ type: 'manager' }) }));
    // Groups: one renamed (and it is a member of the other), the other's nested member leaves scope.
    await ldap.modifyDN(`CN=Team-${suffix},${inside}`, `CN=Squad-${suffix}`);
    await ldap.add(`CN=Guild-${suffix},${inside}`, { objectClass: ['top', 'group'], sAMAccountName: `guild-${suffix}`, member: [`CN=Squad-${suffix},${inside}`, `CN=Club-${suffix},${inside}`] });
    await ldap.modifyDN(`CN=Club-${suffix},${inside}`, `CN=Club-${suffix},${outside}`);

    const cycle = await runCycleNow(graph, job);
    assert.equal(cycle.error, null);
    const { diffs, cloud } = await differences({ except: [clashDn] });
    assert.deepEqual(diffs, []);
    const bySam = (cn: string) => [...cloud.users.values()].find((u) => String(u.onPremisesSamAccountName) === `${cn}-${suffix}`);
    assert.equal(bySam('carol')!.id, carolId, 'a rename keeps the cloud object');
    assert.equal(bySam('dave')!.id, daveId, 'a move keeps the cloud object');
    assert.equal(bySam('bob')!.accountEnabled, false);
    assert.ok(bySam('frank'), 'moved into scope: added');
    assert.equal(bySam('erin'), undefined, 'moved out of scope: gone');
    assert.equal(bySam('hank'), undefined, 'deleted: gone');
    const groupNames = [...cloud.groups.values()].map((g) => g.displayName).sort();
    assert.deepEqual(groupNames, [`Guild-${suffix}`, `Squad-${suffix}`], 'renamed group follows; the group moved out of scope is gone');

    const deleted = await graph.get(`/v1.0/directory/deletedItems/microsoft.graph.user?$top=999&$select=id,onPremisesSamAccountName`);
    const deletedSams = (deleted.value as { onPremisesSamAccountName: string }[]).map((u) => u.onPremisesSamAccountName);
    assert.ok(deletedSams.includes(`hank-${suffix}`) && deletedSams.includes(`erin-${suffix}`), `in deleted items: ${deletedSams.join(', ')}`);
    assert.ok((deleted.value as { id: string }[]).some((u) => u.id === hankId));
  });

  test('restore: the deleted user reanimated in AD comes back as the same cloud user', async () => {
    const deleted = await graph.get(`/v1.0/directory/deletedItems/microsoft.graph.user?$top=999&$select=id,onPremisesSamAccountName`);
    const hankId = (deleted.value as { id: string; onPremisesSamAccountName: string }[]).find((u) => u.onPremisesSamAccountName === `hank-${suffix}`)!.id;
    const showDeleted = new Control(SHOW_DELETED, { critical: true });
    const { searchEntries } = await ldap.search(`CN=Deleted Objects,${adEnv().baseDn}`, { scope: 'one', filter: `(&(isDeleted=TRUE)(sAMAccountName=hank-${suffix}))`, attributes: ['distinguishedName'] }, [showDeleted]);
    assert.equal(searchEntries.length, 1, 'the tombstone');
    // Tombstone reanimation (MS-ADTS 3.1.1.5.3.7.3): remove isDeleted, give the object a DN in scope.
    await ldap.modify(searchEntries[0]!.dn, [
      new Change({ operation: 'delete', modification: new Attribute({ type: 'isDeleted' }) }),
      new Change({ operation: 'replace', modification: new Attribute({ type: 'distinguishedName', values: [`CN=Hank,${inside}`] }) }),
    ], [showDeleted]);
    // A tombstone keeps no userPrincipalName (MS-ADTS 3.1.1.5.5.1.1); an admin restoring it sets it again.
    await modify(`CN=Hank,${inside}`, { userPrincipalName: [`hank.${suffix}@${domain()}`], userAccountControl: ['544'] });
    // Erin comes back into scope too.
    await ldap.modifyDN(`CN=Erin,${outside}`, `CN=Erin,${inside}`);

    const cycle = await runCycleNow(graph, job);
    assert.equal(cycle.error, null);
    const { diffs, cloud } = await differences({ except: [clashDn] });
    assert.deepEqual(diffs, []);
    const hank = [...cloud.users.values()].find((u) => u.onPremisesSamAccountName === `hank-${suffix}`);
    assert.equal(hank?.id, hankId, 'restored from deleted items, not a new user');
    assert.ok(cloud.duplicateAnchors.length === 0);
  });

  test('the clash removed in the cloud: the next cycle, with no AD change, syncs the escrowed user and clears its escrow', async () => {
    const clashing = await graph.get(`/v1.0/users?$filter=${encodeURIComponent(`userPrincipalName eq '${clashUpn()}'`)}&$select=id,onPremisesImmutableId`);
    const cloudOnly = (clashing.value as { id: string; onPremisesImmutableId: string | null }[])[0]!;
    assert.equal(cloudOnly.onPremisesImmutableId, null, 'still the cloud-only user');
    const renamed = `renamed.${suffix}@${domain()}`;
    await graph.expect(204, 'PATCH', `/v1.0/users/${cloudOnly.id}`, { userPrincipalName: renamed });

    const cycle = await runCycleNow(graph, job);
    assert.equal(cycle.error, null);
    assert.equal(cycle.countEscrowed, 0, 'the escrow is retried and clears');
    assert.equal(cycle.state, 'Succeeded');
    const { diffs, cloud } = await differences();
    assert.deepEqual(diffs, [], 'the cloud matches AD, the once-clashing user included');
    const synced = [...cloud.users.values()].find((u) => u.userPrincipalName === clashUpn());
    assert.ok(synced?.onPremisesImmutableId, 'the AD user holds the UPN now');
    assert.notEqual(synced.id, cloudOnly.id, 'a new cloud user: the cloud-only one is not taken over by UPN');
    assert.deepEqual(cloud.cloudOnlyUsers.map((u) => u.userPrincipalName), [renamed], 'the cloud-only user is kept, renamed');

    type LogEntry = { sourceIdentity: { displayName?: string }; provisioningAction: string; provisioningStatusInfo: { status: string } };
    const entries: LogEntry[] = [];
    const filter = encodeURIComponent(`jobId eq '${job.jobId}' and cycleId eq '${cycle.activityIdentifier}'`);
    for await (const entry of graph.all<LogEntry>(`/v1.0/auditLogs/provisioning?$filter=${filter}&$top=500`)) entries.push(entry);
    assert.deepEqual(entries.filter((e) => e.provisioningStatusInfo.status === 'failure'), []);
    assert.ok(entries.some((e) => e.provisioningAction === 'create' && e.provisioningStatusInfo.status === 'success' && /Clash/.test(e.sourceIdentity.displayName ?? '')), JSON.stringify(entries.map((e) => [e.sourceIdentity.displayName, e.provisioningAction, e.provisioningStatusInfo.status])));

    const next = await runCycleNow(graph, job);
    assert.equal(next.countEscrowed, 0, 'nothing left in escrow');
  });
});
