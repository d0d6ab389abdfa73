/**
 * End to end, near-real-time: a job whose schedule is an hour (PT1H) still follows AD within
 * seconds, because the agent (a real `canopy agent run`) reports AD changes over the relay
 * (its change notifications and DirSync poll; a `changed` frame) and the service starts a
 * delta cycle for the job at once. And a job started before any agent was connected runs
 * the moment one connects, not an hour later. Nothing here is timed: each step waits for
 * its condition with a generous limit that is still far short of the hour the schedule
 * would take, and the service's log says what started each cycle.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, type Client } from 'ldapts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { adminClient } from './support/ad-expected.ts';
import { GraphClient, enableDomain, jobPath, readBootstrap, type EnabledJob, type Execution } from './support/graph.ts';
import { enrollAgent, runAgent, startServe, stopProcess, type AgentSetup, type CanopyProcess, type ServeProcess } from './support/processes.ts';

/** Far longer than a loaded machine needs, far shorter than the schedule (PT1H). */
const WAIT_MS = 120_000;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('e2e: AD changes start a cycle without waiting for the schedule', { skip: skipReason() }, () => {
  const suffix = randomBytes(3).toString('hex');
  let dir: string;
  let serve: ServeProcess;
  let setup: AgentSetup;
  let agent: CanopyProcess | undefined;
  let graph: GraphClient;
  let ldap: Client;
  let job: EnabledJob;
  let ou: string;
  let nora: string;

  const lastExecution = async (): Promise<Execution | null> => {
    const body = await graph.get(jobPath(job));
    return (body.status as { lastExecution?: Execution | null }).lastExecution ?? null;
  };
  const cloudUser = async (): Promise<{ id: string; jobTitle: string | null } | undefined> => {
    const body = await graph.get(`/v1.0/users?$filter=${encodeURIComponent(`onPremisesSamAccountName eq 'nora-${suffix}'`)}&$select=id,jobTitle`);
    return (body.value as { id: string; jobTitle: string | null }[])[0];
  };
  const cycleStarts = (trigger: string): number => serve.process.output.filter((line) => line.includes(`/${job.jobId} started (${trigger})`)).length;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-e2e-notify-'));
    serve = await startServe(join(dir, 'service'));
    graph = new GraphClient(serve.url, readBootstrap(serve.dataDir));
    setup = await enrollAgent(dir, serve, 'agent1');
    ldap = await adminClient();
    ou = `OU=notify-${suffix},${adEnv().baseDn}`;
    await ldap.add(ou, { objectClass: ['top', 'organizationalUnit'] });
    nora = `CN=Nora,${ou}`;
    await ldap.add(nora, {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: `nora-${suffix}`,
      userPrincipalName: `nora.${suffix}@${adEnv().domain}`,
      givenName: 'Nora',
      sn: `Test-${suffix}`,
      displayName: 'Nora Test',
      title: 'Analyst',
      userAccountControl: '544',
    });
  });
  after(async () => {
    if (ldap) {
      await ldap.del(nora).catch(() => undefined);
      await ldap.del(ou).catch(() => undefined);
      await ldap.unbind().catch(() => undefined);
    }
    if (agent) await stopProcess(agent);
    if (serve) await stopProcess(serve.process);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a job started while no agent is connected runs the moment its first agent connects', async () => {
    job = await enableDomain(graph, { domain: adEnv().domain, containers: [ou], start: false });
    await graph.expect(204, 'PATCH', jobPath(job), { schedule: { interval: 'PT1H' } });
    await graph.expect(204, 'POST', `${jobPath(job)}/start`);
    // The start's own cycle finds no agent and fails; the next scheduled run is an hour away.
    const failed = await waitFor('the first cycle failing for want of an agent', async () => {
      const last = await lastExecution();
      return last?.state === 'Failed' ? last : undefined;
    });
    assert.match(failed.error?.message ?? '', /agent/i);
    assert.equal(await cloudUser(), undefined);

    agent = await runAgent(setup);
    const user = await waitFor('Nora in the cloud after the agent connected', cloudUser);
    assert.equal(user.jobTitle, 'Analyst');
    assert.ok(cycleStarts('agentConnected') >= 1, `a cycle started because the agent connected:\n${serve.process.output.join('\n')}`);
    assert.equal(cycleStarts('schedule'), 0, 'no scheduled run in between');
  });

  test('an ldapmodify reaches the Graph API through a cycle the change started, not the PT1H schedule', async () => {
    // Let the connect's cycle (and its follow-up, if any) finish, so that the cycle counted next is the change's own.
    await waitFor('the job idle', async () => {
      const body = await graph.get(jobPath(job));
      const last = (body.status as { lastExecution?: Execution | null }).lastExecution;
      return last?.state === 'Succeeded' && !serve.process.output.at(-1)?.includes('started') ? true : undefined;
    });
    const notifiedBefore = cycleStarts('notification');
    await ldap.modify(nora, [new Change({ operation: 'replace', modification: new Attribute({ type: 'title', values: ['Director'] }) })]);
    const user = await waitFor('the new title through Graph', async () => {
      const found = await cloudUser();
      return found?.jobTitle === 'Director' ? found : undefined;
    });
    assert.equal(user.jobTitle, 'Director');
    assert.ok(cycleStarts('notification') > notifiedBefore, `a cycle started on the agent's change signal:\n${serve.process.output.join('\n')}`);
    assert.equal(cycleStarts('schedule'), 0, 'the schedule did not run it');
  });
});
