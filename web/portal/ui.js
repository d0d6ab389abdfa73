// Small DOM helpers: elements are built with text nodes, never from HTML strings, so data
// from the directory cannot inject markup.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Tells screen readers what just happened (a polite live region). */
export function announce(text) {
  const region = document.getElementById('announcer');
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 50);
}

export function when(iso) {
  if (!iso || iso.startsWith('0001-')) return '—';
  const date = new Date(iso);
  return h('time', { datetime: date.toISOString() }, date.toLocaleString());
}

export function badge(text, tone) {
  return h('span', { class: `badge badge-${tone}` }, text);
}

export function table(caption, headings, rows, empty) {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: 0 },
    h('table', {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headings.map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, rows)));
}

export function errorMessage(error) {
  return h('p', { class: 'error', role: 'alert' }, error.message);
}
