// Configurations: one per AD domain (a cloud sync service principal and its provisioning
// job), with the job's state, the last cycle, a quarantine banner, and Start, Pause, Restart.
import { badge, h, announce, table, when, errorMessage } from '../ui.js';

const TONES = { Active: 'ok', Paused: 'muted', Quarantine: 'bad', NotRun: 'muted', NotConfigured: 'muted' };
const RUN_TONES = { Succeeded: 'ok', EntryLevelErrors: 'warn', Failed: 'bad' };

function domainOf(secrets) {
  const entry = secrets?.value?.find((s) => s.key === 'Domain');
  try {
    return entry ? JSON.parse(entry.value).domain : undefined;
  } catch {
    return undefined;
  }
}

async function loadConfigurations(graph) {
  const principals = (await graph('/v1.0/servicePrincipals')).value ?? [];
  const rows = [];
  for (const sp of principals) {
    const base = `/v1.0/servicePrincipals/${sp.id}/synchronization`;
    const jobs = (await graph(`${base}/jobs`).catch(() => ({ value: [] }))).value ?? [];
    if (jobs.length === 0) continue;
    const domain = domainOf(await graph(`${base}/secrets`).catch(() => undefined));
    for (const job of jobs) rows.push({ sp, job, domain, base });
  }
  return rows;
}

function lastCycle(execution) {
  if (!execution) return 'No cycle yet';
  const counts = `${execution.countImported ?? 0} imported, ${execution.countExported ?? 0} exported, ${execution.countEscrowed ?? 0} errors`;
  return h('span', {}, badge(execution.state, RUN_TONES[execution.state] ?? 'muted'), ' ', when(execution.timeEnded), h('br'), counts,
    execution.error ? h('span', { class: 'detail' }, h('br'), `${execution.error.code}: ${execution.error.message}`) : null);
}

function actions(row, act) {
  const name = row.domain ?? row.sp.displayName;
  const code = row.job.status?.code;
  return h('div', { class: 'actions' },
    code === 'Active' ? null : h('button', { type: 'button', 'aria-label': `Start ${name}`, onclick: () => act(row, 'start') }, 'Start'),
    code === 'Active' ? h('button', { type: 'button', 'aria-label': `Pause ${name}`, onclick: () => act(row, 'pause') }, 'Pause') : null,
    h('button', { type: 'button', class: 'secondary', 'aria-label': `Restart ${name}`, onclick: () => act(row, 'restart') }, 'Restart'));
}

function quarantineBanner(row) {
  const q = row.job.status?.quarantine;
  if (!q) return null;
  return h('p', { class: 'banner', role: 'alert' },
    `${row.domain ?? row.sp.displayName} is in quarantine since ${new Date(q.since ?? q.currentBegan ?? Date.now()).toLocaleString()}: ${q.reason ?? q.error?.message ?? 'see the provisioning logs'}. Fix the cause, then Restart.`);
}

export async function configurationsPage(main, { graph }) {
  const act = async (row, verb) => {
    const name = row.domain ?? row.sp.displayName;
    try {
      await graph(`${row.base}/jobs/${row.job.id}/${verb}`, { method: 'POST', ...(verb === 'restart' ? { body: { criteria: { resetScope: 'Full' } } } : {}) });
      announce(`${name}: ${verb === 'start' ? 'started' : verb === 'pause' ? 'paused' : 'restarted'}.`);
      await render();
    } catch (error) {
      announce(`${name}: ${error.message}`);
      main.append(errorMessage(error));
    }
  };
  const render = async () => {
    const rows = await loadConfigurations(graph);
    const content = [
      h('h1', {}, 'Configurations'),
      rows.map(quarantineBanner),
      table('Cloud sync configurations and their provisioning jobs', ['Domain', 'Job', 'Status', 'Last cycle', 'Actions'], rows.map((row) => h('tr', { 'data-job': row.job.id },
        h('th', { scope: 'row' }, row.domain ?? '(no domain yet)', h('br'), h('span', { class: 'detail' }, row.sp.displayName)),
        h('td', {}, row.job.templateId, h('br'), h('span', { class: 'detail' }, `every ${row.job.schedule?.interval ?? '—'}`)),
        h('td', { class: 'status' }, badge(row.job.status?.code ?? 'Unknown', TONES[row.job.status?.code] ?? 'muted')),
        h('td', {}, lastCycle(row.job.status?.lastExecution)),
        h('td', {}, actions(row, act)),
      )), 'No configuration yet. Enable a domain through the Graph API (README, "Run the service and an agent").'),
      h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: () => render().then(() => announce('Configurations refreshed.')) }, 'Refresh')),
    ];
    main.replaceChildren(...content.flat().filter(Boolean));
  };
  await render();
}
