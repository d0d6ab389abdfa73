/**
 * `npm run demo`: Canopy's main job in one command. It provisions (or reuses) a Samba AD DC
 * with the sample company, starts `canopy serve` on a data folder under the repo (.data/demo,
 * git-ignored, new each run), enrolls and runs an agent, enables the domain through the Graph
 * API with docs/examples/enable-domain.sh (the README's steps, run as they are), shows the
 * initial sync with a progress bar, checks the directory against AD, then prints what to try
 * and follows each cycle until Ctrl-C, which stops everything it started.
 *
 * `npm run demo -- --once`: the same headless; it also runs the commands it prints (the
 * $count curl, `canopy status`, the ldapmodify) and waits for that change to arrive; exits 0,
 * or non-zero with what differs. CI runs it.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { normalizeDn, readScope, type AdObject } from './ad-read.ts';
import { compareWithAd } from './compare.ts';
import { DemoGraph, type Json } from './graph.ts';
import { canopy, CANOPY_BIN, REPO, run, start, type Running } from './processes.ts';
import { ProgressBar } from './progress.ts';
import { resolveAd, type DemoAd } from './target.ts';
import { followCycles, waitForFirstCycle } from './watch.ts';

const USAGE = 'usage: npm run demo [-- --once]';
const args = process.argv.slice(2);
for (const arg of args) {
  if (arg !== '--once') {
    process.stderr.write(`demo: unknown option ${arg}\n${USAGE}\n`);
    process.exit(2);
  }
}
const once = args.includes('--once');
const DATA = join(REPO, '.data', 'demo');
const SERVICE_DATA = join(DATA, 'service');
const PASSWORD_ENV = 'CANOPY_DEMO_AD_PASSWORD';
/** The job's schedule in the demo: short, so that a change made by hand shows soon even without change notifications. */
const INTERVAL = process.env.CANOPY_DEMO_INTERVAL ?? 'PT10S';

const say = (line = ''): void => void process.stdout.write(`${line}\n`);
const shown = (path: string): string => relative(process.cwd(), path) || '.';
const quote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

const started: { stop(): Promise<void> }[] = [];
let stopping = false;
async function stopAll(): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const part of started.reverse()) await part.stop().catch((error: unknown) => say(`demo: stopping: ${(error as Error).message}`));
}

async function startService(): Promise<{ serve: Running; url: string }> {
  const serve = start('canopy serve', process.execPath, [CANOPY_BIN, 'serve', '--data', SERVICE_DATA, '--listen', '127.0.0.1:0'], { log: join(DATA, 'serve.log') });
  started.push(serve);
  const url = (await serve.waitForLine(/serving (https?:\/\/\S+)/, 60_000))[1]!;
  return { serve, url };
}

async function startAgent(ad: DemoAd, url: string): Promise<Running> {
  const config = join(DATA, 'agent.json');
  writeFileSync(config, JSON.stringify({
    service: {},
    dataDir: './agent-data',
    name: 'demo-agent',
    domains: [{ name: ad.domain, ad: { urls: [ad.url], bindDn: ad.bindDn, passwordEnv: PASSWORD_ENV, ...(ad.caFile ? { caFile: ad.caFile } : {}), baseDn: ad.baseDn } }],
  }, null, 2));
  const token = (await canopy('canopy token create', ['token', 'create', '--data', SERVICE_DATA])).trim();
  const registered = await canopy('canopy agent register', ['agent', 'register', '--service', url, '--token', token, '--config', config]);
  const agentId = /agent (\S+) enrolled/.exec(registered)?.[1] ?? 'demo-agent';
  const agent = start('canopy agent', process.execPath, [CANOPY_BIN, 'agent', 'run', '--config', config], { env: { [PASSWORD_ENV]: ad.password }, log: join(DATA, 'agent.log') });
  started.push(agent);
  await agent.waitForLine(/agent \S+ connected/, 60_000);
  say(`agent ${agentId} enrolled and connected (config ${shown(config)}, log ${shown(join(DATA, 'agent.log'))})`);
  return agent;
}

async function enable(ad: DemoAd, url: string): Promise<{ sp: string; job: string }> {
  const output = await run('docs/examples/enable-domain.sh', 'bash', [join(REPO, 'docs/examples/enable-domain.sh')], {
    API: url,
    BOOTSTRAP: join(SERVICE_DATA, 'bootstrap.json'),
    DOMAIN: ad.domain,
    SCOPE: ad.scope ?? '',
    INTERVAL,
  });
  const match = /servicePrincipal (\S+), job (\S+)/.exec(output);
  if (!match) throw new Error(`docs/examples/enable-domain.sh did not say which job it enabled:\n${output}`);
  return { sp: match[1]!, job: match[2]! };
}

async function initialSync(graph: DemoGraph, jobPath: string, objects: readonly AdObject[]): Promise<Json> {
  const bar = new ProgressBar(objects.length);
  const began = Date.now();
  const done = async (): Promise<number> => (await graph.count('users')) + (await graph.count('groups'));
  const execution = await waitForFirstCycle(graph, jobPath, async () => bar.update(await done()), once ? 600_000 : undefined);
  const objectsDone = await done();
  bar.finish(objectsDone);
  const seconds = (Date.now() - began) / 1000;
  say(`initial sync ${String(execution.state)}: ${objectsDone} objects in ${seconds.toFixed(1)} s (${(objectsDone / seconds).toFixed(0)} objects/s); ` +
    `imported ${String(execution.countImported)}, exported ${String(execution.countExported)}, escrowed ${String(execution.countEscrowed)}`);
  if (execution.state === 'Failed') throw new Error(`the initial sync failed: ${JSON.stringify(execution.error)}`);
  return execution;
}

/** A user whose DN needs no quoting in a shell line, for the change example. */
function exampleUser(objects: readonly AdObject[]): AdObject | undefined {
  return objects.find((o) => o.kind === 'user' && o.givenName && /^CN=[A-Za-z0-9 .-]+(,(OU|CN)=[A-Za-z0-9 .-]+)*,DC=/.test(o.dn));
}

function commands(ad: DemoAd, url: string, user: { dn: string; id: string } | undefined): { count: string; status: string; change: string | undefined; watch: string | undefined } {
  const bootstrap = shown(join(SERVICE_DATA, 'bootstrap.json'));
  const token = `API=${url}; B=${bootstrap}; TOKEN=$(curl -s "$API/$(jq -r .tenantId $B)/oauth2/v2.0/token" -d grant_type=client_credentials ` +
    '-d scope=https://graph.microsoft.com/.default --data-urlencode "client_id=$(jq -r .clientId $B)" ' +
    '--data-urlencode "client_secret=$(jq -r .clientSecret $B)" | jq -r .access_token)';
  const change = user && ad.admin
    ? `printf 'dn: %s\\nchangetype: modify\\nreplace: title\\ntitle: Changed at %s\\n' ${quote(user.dn)} "$(date +%T)" | ` +
      `${ad.caFile ? `LDAPTLS_CACERT=${quote(ad.caFile)} ` : ''}ldapmodify -x -H ${ad.url} -D ${quote(ad.admin.dn)} -w ${quote(ad.admin.password)}`
    : undefined;
  return {
    count: `${token}; curl -s -H "Authorization: Bearer $TOKEN" -H 'ConsistencyLevel: eventual' "$API/v1.0/users/\\$count"; echo`,
    status: `bin/canopy.mjs status --data ${shown(SERVICE_DATA)}`,
    change,
    watch: user ? `${token}; curl -s -H "Authorization: Bearer $TOKEN" "$API/v1.0/users/${user.id}?\\$select=displayName,jobTitle"; echo` : undefined,
  };
}

async function main(): Promise<number> {
  say(`Canopy demo${once ? ' (--once: headless, checks the result and exits)' : ''}`);
  let ad: DemoAd;
  try {
    ad = await resolveAd(say);
  } catch (error) {
    say((error as Error).message);
    return 2;
  }
  started.push(ad);
  say(`syncing ${ad.describe}`);
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });

  const objects = await readScope(ad);
  const users = objects.filter((o) => o.kind === 'user').length;
  say(`AD holds ${users} users and ${objects.length - users} groups in scope${ad.scope ? ` (${ad.scope})` : ''}`);

  const { url } = await startService();
  say(`service: ${url} (data ${shown(SERVICE_DATA)}, SQLite; log ${shown(join(DATA, 'serve.log'))}; admin credentials in ${shown(join(SERVICE_DATA, 'bootstrap.json'))})`);
  await startAgent(ad, url);
  const { sp, job } = await enable(ad, url);
  say(`domain ${ad.domain} enabled through the Graph API (docs/examples/enable-domain.sh): job ${job}, every ${INTERVAL}`);

  const graph = new DemoGraph(url, join(SERVICE_DATA, 'bootstrap.json'));
  const jobPath = `/v1.0/servicePrincipals/${sp}/synchronization/jobs/${job}`;
  const first = await initialSync(graph, jobPath, objects);

  const comparison = await compareWithAd(graph, objects);
  say(`the directory holds ${comparison.users} users, ${comparison.groups} groups and ${comparison.memberships} memberships`);
  if (comparison.differences.length > 0) {
    say(`it differs from AD:\n  ${comparison.differences.join('\n  ')}`);
    if (once) return 1;
  } else {
    say('it matches AD: every user, group and membership in scope, nothing more');
  }

  const example = exampleUser(objects);
  const exampleId = example && comparison.userIds.get(normalizeDn(example.dn));
  const user = example && exampleId ? { dn: example.dn, id: exampleId } : undefined;
  const shell = commands(ad, url, user);
  say('\nTry it:');
  say(`  the API:         ${url}  (admin credentials: ${shown(join(SERVICE_DATA, 'bootstrap.json'))})`);
  say(`  the portal:      ${url}/portal/  (user admin; one-time password: jq -r .adminOneTimePassword ${shown(join(SERVICE_DATA, 'bootstrap.json'))})`);
  say(`  users/$count:    ${shell.count}`);
  say(`  status:          ${shell.status}`);
  if (shell.change) {
    say(`  change a user in AD (title → jobTitle); this window shows the cycle that brings it (within ${INTERVAL}):\n    ${shell.change}`);
    say(`  read it back:    ${shell.watch}`);
  }
  else say('  (set CANOPY_TEST_AD_ADMIN_DN and CANOPY_TEST_AD_ADMIN_PASSWORD to get a ready ldapmodify line for your AD)');

  if (once) return await checkCommands(shell, comparison.users, user, first);
  say('\nFollowing each cycle; Ctrl-C stops the demo and everything it started.');
  await followCycles(graph, jobPath, first, say, () => stopping);
  return 0;
}

/** --once: the printed commands work as printed, and the change reaches the Graph API. */
async function checkCommands(shell: ReturnType<typeof commands>, users: number, user: { dn: string; id: string } | undefined, first: Json): Promise<number> {
  const counted = (await run('the users/$count curl', 'bash', ['-c', shell.count])).trim();
  if (counted !== String(users)) {
    say(`the printed users/$count command answered ${counted}, not ${users}`);
    return 1;
  }
  say(`checked: the users/$count command answers ${counted}`);
  const status = await run('canopy status', 'bash', ['-c', shell.status]);
  if (!status.includes('Active')) {
    say(`canopy status does not show the job active:\n${status}`);
    return 1;
  }
  say('checked: canopy status shows the job');
  if (!shell.change || !shell.watch || !user) return 0;
  const changedAt = Date.now();
  await run('the ldapmodify line', 'bash', ['-c', shell.change]);
  for (;;) {
    const read = JSON.parse(await run('the read-back curl', 'bash', ['-c', shell.watch])) as Json;
    if (String(read.jobTitle ?? '').startsWith('Changed at')) break;
    if (Date.now() - changedAt > 180_000) {
      say(`the change to ${user.dn} did not arrive within 180 s`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  say(`checked: the ldapmodify change reached the Graph API after ${((Date.now() - changedAt) / 1000).toFixed(1)} s (schedule ${INTERVAL}; first cycle ${String(first.activityIdentifier)})`);
  return 0;
}

process.on('SIGINT', () => {
  say('\nstopping …');
  void stopAll().then(() => process.exit(130));
});
process.on('SIGTERM', () => void stopAll().then(() => process.exit(143)));

let code = 1;
try {
  code = await main();
} catch (error) {
  say(`demo failed: ${(error as Error).message}`);
  code = 1;
} finally {
  await stopAll();
}
process.exit(code);
