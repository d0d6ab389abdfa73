// Users and groups of the cloud directory: the synced objects as Graph returns them, with a
// search on the display name (startswith, as Graph's portal does).
import { badge, h, table } from '../ui.js';
import { odataString } from '../graph.js';

const PAGE = 100;

function searchForm(kind, value) {
  return h('form', { role: 'search', class: 'filters', onsubmit: (event) => {
    event.preventDefault();
    const text = new FormData(event.target).get('q');
    location.hash = `#/${kind}${text ? `?q=${encodeURIComponent(text)}` : ''}`;
  } },
  h('div', { class: 'field' }, h('label', { for: 'search' }, `Search ${kind} by display name`), h('input', { id: 'search', name: 'q', type: 'search', value: value ?? '' })),
  h('button', { type: 'submit' }, 'Search'));
}

async function list(graph, kind, select, q) {
  const query = new URLSearchParams({ $top: String(PAGE), $select: select, ...(q ? { $filter: `startswith(displayName,${odataString(q)})` } : {}) });
  return graph(`/v1.0/${kind}?${query}`);
}

export async function usersPage(main, { graph, params }) {
  const q = params.get('q');
  const page = await list(graph, 'users', 'id,displayName,userPrincipalName,mail,accountEnabled,onPremisesSyncEnabled,onPremisesSamAccountName', q);
  const rows = (page.value ?? []).map((u) => h('tr', {},
    h('th', { scope: 'row' }, u.displayName ?? ''),
    h('td', {}, u.userPrincipalName ?? ''),
    h('td', {}, u.mail ?? ''),
    h('td', {}, u.accountEnabled ? badge('enabled', 'ok') : badge('disabled', 'muted')),
    h('td', {}, u.onPremisesSyncEnabled ? `synced (${u.onPremisesSamAccountName ?? ''})` : 'cloud')));
  main.replaceChildren(h('h1', {}, 'Users'), searchForm('users', q),
    table(`Users${q ? ` whose display name starts with "${q}"` : ''} (${rows.length} shown)`, ['Display name', 'User principal name', 'Mail', 'Account', 'Source'], rows, 'No users.'));
}

export async function groupsPage(main, { graph, params }) {
  const q = params.get('q');
  const page = await list(graph, 'groups', 'id,displayName,mail,securityEnabled,mailEnabled,onPremisesSyncEnabled', q);
  const rows = (page.value ?? []).map((g) => h('tr', {},
    h('th', { scope: 'row' }, g.displayName ?? ''),
    h('td', {}, g.mail ?? ''),
    h('td', {}, [g.securityEnabled ? 'security' : null, g.mailEnabled ? 'mail' : null].filter(Boolean).join(', ') || '—'),
    h('td', {}, g.onPremisesSyncEnabled ? 'synced' : 'cloud')));
  main.replaceChildren(h('h1', {}, 'Groups'), searchForm('groups', q),
    table(`Groups${q ? ` whose display name starts with "${q}"` : ''} (${rows.length} shown)`, ['Display name', 'Mail', 'Kind', 'Source'], rows, 'No groups.'));
}
