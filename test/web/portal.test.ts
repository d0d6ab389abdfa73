/**
 * The admin portal in a real browser (Debian's chromium through playwright-core) against a
 * real `canopy serve`, a real agent and the Samba DC: the administrator signs in with the
 * first start's one-time password (keyboard only), changes it, and finds the domain enabled
 * through Graph with its initial sync, the synced users and groups, the provisioning logs
 * with their steps, and pauses and starts the job from the page. What the page shows is
 * checked against Graph, read with the admin application's own token.
 * CANOPY_PORTAL_SCREENSHOTS=DIR saves a screenshot of each page there (docs/portal).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { browserSkipReason, launchChromium } from '../support/browser.ts';
import { loadFixture } from '../support/fixture.ts';
import { GraphClient, enableDomain, jobPath, readBootstrap, waitForCycle, type EnabledJob, type Execution } from '../e2e/support/graph.ts';
import { enrollAgent, runAgent, startServe, stopProcess, type CanopyProcess, type ServeProcess } from '../e2e/support/processes.ts';

const NEW_PASSWORD = 'portal test password 1';
const SCREENSHOTS = process.env.CANOPY_PORTAL_SCREENSHOTS;

describe('web: the admin portal in chromium against serve + agent + Samba DC', { skip: skipReason() ?? browserSkipReason() }, () => {
  let dir: string;
  let serve: ServeProcess;
  let agent: CanopyProcess;
  let graph: GraphClient;
  let job: EnabledJob;
  let initial: Execution;
  let browser: Browser;
  let page: Page;
  let portalUrl: string;
  let oneTimePassword: string;

  const shot = async (name: string) => {
    if (!SCREENSHOTS) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  };
  const jobRow = () => page.locator(`tr[data-job="${job.jobId}"]`);

  before(async () => {
    const fixture = loadFixture();
    dir = mkdtempSync(join(tmpdir(), 'canopy-web-'));
    serve = await startServe(join(dir, 'service'));
    const boot = JSON.parse(readFileSync(join(serve.dataDir, 'bootstrap.json'), 'utf8')) as { portalUrl: string; adminOneTimePassword: string };
    portalUrl = boot.portalUrl;
    oneTimePassword = boot.adminOneTimePassword;
    graph = new GraphClient(serve.url, readBootstrap(serve.dataDir));
    agent = await runAgent(await enrollAgent(dir, serve, 'agent1'));
    const since = new Date();
    job = await enableDomain(graph, { domain: adEnv().domain, containers: [fixture.rootDn] });
    initial = await waitForCycle(graph, job, since);
    assert.equal(initial.state, 'Succeeded', JSON.stringify(initial));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  after(async () => {
    await browser?.close();
    if (agent) await stopProcess(agent);
    if (serve) await stopProcess(serve.process);
    rmSync(dir, { recursive: true, force: true });
  });

  test('sign in with the keyboard, change the one-time password, land on the configurations', async () => {
    await page.goto(portalUrl);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The provider's page: the user name field has focus; Tab and Enter do the rest.
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot('sign-in');
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    await page.keyboard.type(oneTimePassword);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Update your password' }).waitFor();
    await page.getByLabel('Current password').fill(oneTimePassword);
    await page.getByLabel('New password', { exact: true }).fill('too short');
    await page.getByLabel('Confirm new password').fill('too short');
    await page.getByRole('button', { name: /Update password/ }).click();
    // The browser's own check (minlength) or the server's message keeps us on the form.
    await page.getByRole('heading', { name: 'Update your password' }).waitFor();
    await page.getByLabel('Current password').fill(oneTimePassword);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await shot('change-password');
    await page.getByRole('button', { name: /Update password/ }).click();
    await page.getByRole('heading', { name: 'Configurations' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/portal/');
    assert.equal(await page.getByRole('link', { name: 'Configurations' }).getAttribute('aria-current'), 'page');
  });

  test("the configuration shows the domain, the job's state and the initial sync Graph reports", async () => {
    const row = jobRow();
    await row.waitFor();
    assert.match(await row.locator('th').innerText(), new RegExp(adEnv().domain.replace(/\./g, '\\.'), 'i'));
    assert.equal((await row.locator('td.status').innerText()).trim(), 'Active');
    const text = await row.innerText();
    const now = (await graph.get(jobPath(job))).status as { lastExecution: Execution };
    assert.match(text, new RegExp(`${now.lastExecution.state}`));
    assert.match(text, new RegExp(`${now.lastExecution.countImported} imported, ${now.lastExecution.countExported} exported`));
    await shot('configurations');
  });

  test('pause and start the job from the page; Graph sees each change', async () => {
    await page.getByRole('button', { name: `Pause ${adEnv().domain}` }).click();
    await jobRow().locator('td.status', { hasText: 'Paused' }).waitFor();
    assert.equal(((await graph.get(jobPath(job))).status as { code: string }).code, 'Paused');
    await page.getByRole('button', { name: `Start ${adEnv().domain}`, exact: true }).click();
    await jobRow().locator('td.status', { hasText: 'Active' }).waitFor();
    assert.equal(((await graph.get(jobPath(job))).status as { code: string }).code, 'Active');
    assert.match(await page.locator('#announcer').innerText(), /started/);
  });

  test('users: a synced user found by searching its display name', async () => {
    const synced = (await graph.get('/v1.0/users?$top=5&$select=displayName,userPrincipalName,onPremisesSyncEnabled')).value as { displayName: string; userPrincipalName: string }[];
    assert.ok(synced.length > 0);
    const user = synced[0]!;
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByLabel('Search users by display name').fill(user.displayName);
    await page.keyboard.press('Enter');
    await page.getByRole('row').filter({ hasText: user.userPrincipalName }).first().waitFor();
    assert.equal(await page.getByRole('rowheader', { name: user.displayName, exact: true }).count() >= 1, true);
    await shot('users');
  });

  test('groups: the synced groups Graph lists', async () => {
    const groups = (await graph.get('/v1.0/groups?$top=3&$select=displayName')).value as { displayName: string }[];
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.getByRole('heading', { name: 'Groups' }).waitFor();
    for (const group of groups) await page.getByRole('rowheader', { name: group.displayName, exact: true }).first().waitFor();
  });

  test("provisioning logs: the initial cycle's entries, one opened to its steps", async () => {
    await page.getByRole('link', { name: 'Provisioning logs' }).click();
    await page.getByRole('heading', { name: 'Provisioning logs' }).waitFor();
    // The cycle of the job's newest entry: the last execution Graph reports may be a wake-up
    // cycle that exported nothing (an AD change signal or the agent's DirSync poll), so it is
    // not taken as the cycle that has entries.
    const newest = (await graph.get(`/v1.0/auditLogs/provisioning?$top=1&$filter=${encodeURIComponent(`jobId eq '${job.jobId}'`)}`)).value as { cycleId: string }[];
    assert.ok(newest.length > 0, `the job has provisioning log entries (initial cycle ${initial.activityIdentifier})`);
    const cycleId = newest[0]!.cycleId;
    await page.getByLabel('Cycle id').fill(cycleId);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const entries = (await graph.get(`/v1.0/auditLogs/provisioning?$top=50&$filter=${encodeURIComponent(`cycleId eq '${cycleId}'`)}`)).value as unknown[];
    assert.ok(entries.length > 0);
    await page.getByRole('table', { name: new RegExp(`\\(${entries.length} shown\\)`) }).waitFor();
    const first = page.locator('details').first();
    await first.locator('summary').click();
    await first.getByRole('heading', { name: 'Steps' }).waitFor();
    assert.ok((await first.locator('ol li').count()) >= 1);
    await shot('provisioning-logs');
  });

  test('sign out through the provider', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign out of Canopy?' }).waitFor();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    // Back at the portal (its post-logout redirect URI), signed out: a new visit asks to sign in.
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.goto(portalUrl);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Users' }).isVisible(), false);
  });
});
