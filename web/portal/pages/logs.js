// Provisioning logs (GET /v1.0/auditLogs/provisioning): newest first, filtered by job, cycle
// or source object; each entry opens to its steps and changed properties.
import { badge, h, table, when } from '../ui.js';
import { odataString } from '../graph.js';

const TONES = { success: 'ok', warning: 'warn', failure: 'bad', skipped: 'muted' };
const PAGE = 50;

function entryDetails(entry) {
  const steps = (entry.provisioningSteps ?? []).map((step) => h('li', {},
    h('strong', {}, step.name ?? step.provisioningStepType), ' ', badge(step.status ?? '', TONES[step.status] ?? 'muted'), ' ', step.description ?? ''));
  const changes = (entry.modifiedProperties ?? []).map((p) => h('tr', {}, h('th', { scope: 'row' }, p.displayName), h('td', {}, p.oldValue ?? ''), h('td', {}, p.newValue ?? '')));
  const error = entry.provisioningStatusInfo?.errorInformation;
  return h('div', { class: 'entry-details' },
    error ? h('p', { class: 'error' }, `${error.errorCode ?? ''} ${error.reason ?? error.additionalDetails ?? ''}`) : null,
    h('h3', {}, 'Steps'), h('ol', {}, steps),
    changes.length ? h('div', {}, h('h3', {}, 'Changed properties'), table('Changed properties', ['Property', 'Old value', 'New value'], changes, '')) : null);
}

function row(entry) {
  const status = entry.provisioningStatusInfo?.status ?? 'unknown';
  const details = h('details', {}, h('summary', {}, entry.sourceIdentity?.displayName ?? entry.sourceIdentity?.id ?? 'object'), entryDetails(entry));
  return h('tr', {},
    h('td', {}, when(entry.activityDateTime)),
    h('td', {}, details),
    h('td', {}, entry.sourceIdentity?.identityType ?? ''),
    h('td', {}, entry.provisioningAction ?? ''),
    h('td', {}, badge(status, TONES[status] ?? 'muted')),
    h('td', { class: 'detail' }, entry.cycleId ?? ''));
}

export async function logsPage(main, { graph, params }) {
  const filter = [];
  if (params.get('jobId')) filter.push(`jobId eq ${odataString(params.get('jobId'))}`);
  if (params.get('cycleId')) filter.push(`cycleId eq ${odataString(params.get('cycleId'))}`);
  if (params.get('sourceId')) filter.push(`sourceIdentity/id eq ${odataString(params.get('sourceId'))}`);
  const query = new URLSearchParams({ $top: String(PAGE), ...(filter.length ? { $filter: filter.join(' and ') } : {}) });
  const page = await graph(`/v1.0/auditLogs/provisioning?${query}`);
  const statusWanted = params.get('status') ?? '';
  const entries = (page.value ?? []).filter((e) => !statusWanted || e.provisioningStatusInfo?.status === statusWanted);
  const field = (name, label) => h('div', { class: 'field' }, h('label', { for: `filter-${name}` }, label), h('input', { id: `filter-${name}`, name, value: params.get(name) ?? '' }));
  const form = h('form', { class: 'filters', 'aria-label': 'Filter the provisioning logs', onsubmit: (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    const next = new URLSearchParams([...data].filter(([, v]) => v !== ''));
    location.hash = `#/logs${next.size ? `?${next}` : ''}`;
  } },
  h('div', { class: 'field' }, h('label', { for: 'filter-status' }, 'Status'),
    h('select', { id: 'filter-status', name: 'status' }, ['', 'success', 'failure', 'skipped', 'warning'].map((s) => h('option', { value: s, selected: s === statusWanted }, s || 'any')))),
  field('jobId', 'Job id'), field('cycleId', 'Cycle id'), field('sourceId', 'Source object id'),
  h('button', { type: 'submit' }, 'Apply filters'));
  main.replaceChildren(...[
    h('h1', {}, 'Provisioning logs'),
    form,
    table(`Provisioning log entries, newest first (${entries.length} shown)`, ['Time', 'Object', 'Type', 'Action', 'Status', 'Cycle'], entries.map(row), 'No provisioning log entries match.'),
    page['@odata.nextLink'] ? h('p', { class: 'detail' }, `The first ${PAGE} entries are shown; narrow the filters to see others.`) : null,
  ].filter(Boolean));
}
