// The portal: sign-in, then one page per hash route, each drawn from Graph calls only.
import { completeSignIn, currentTokens, loadConfig, signIn, signOut, signedInUser } from './auth.js';
import { createGraph } from './graph.js';
import { errorMessage, h } from './ui.js';
import { configurationsPage } from './pages/configurations.js';
import { logsPage } from './pages/logs.js';
import { groupsPage, usersPage } from './pages/directory.js';

const ROUTES = { configurations: configurationsPage, logs: logsPage, users: usersPage, groups: groupsPage };
const TITLES = { configurations: 'Configurations', logs: 'Provisioning logs', users: 'Users', groups: 'Groups' };

const main = document.getElementById('main');
const nav = document.querySelector('header nav');

function signInScreen(config, problem) {
  nav.hidden = true;
  document.getElementById('account').replaceChildren();
  document.title = 'Sign in · Canopy portal';
  main.replaceChildren(
    h('h1', {}, 'Canopy administration'),
    problem ? errorMessage(problem) : null,
    h('p', {}, 'Sign in with your administrator account to manage cloud sync.'),
    h('button', { type: 'button', onclick: () => signIn(config) }, 'Sign in'));
}

function accountBar(config) {
  const user = signedInUser();
  document.getElementById('account').replaceChildren(
    h('span', {}, user?.name ?? user?.preferred_username ?? ''), ' ',
    h('button', { type: 'button', class: 'secondary', onclick: () => signOut(config) }, 'Sign out'));
}

async function route(config, graph) {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const name = ROUTES[path] ? path : 'configurations';
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === `#/${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${TITLES[name]} · Canopy portal`;
  main.setAttribute('aria-busy', 'true');
  try {
    await ROUTES[name](main, { graph, config, params: new URLSearchParams(query ?? '') });
  } catch (error) {
    if (error.status === 403) {
      main.replaceChildren(h('h1', {}, TITLES[name]), errorMessage(new Error('Your account has no administrator role in this tenant: there is nothing here for it to see.')));
    } else if (currentTokens()) {
      main.replaceChildren(h('h1', {}, TITLES[name]), errorMessage(error));
    }
  } finally {
    main.removeAttribute('aria-busy');
  }
  // Keyboard and screen-reader users land on the new page's content.
  main.focus();
}

async function start() {
  let config;
  try {
    config = await loadConfig();
    await completeSignIn(config);
  } catch (error) {
    if (config) return signInScreen(config, error);
    main.replaceChildren(errorMessage(error));
    return undefined;
  }
  if (!currentTokens()) return signInScreen(config);
  const graph = createGraph(config, () => signInScreen(config, new Error('Your sign-in has ended. Sign in again.')));
  nav.hidden = false;
  accountBar(config);
  window.addEventListener('hashchange', () => route(config, graph));
  return route(config, graph);
}

void start();
