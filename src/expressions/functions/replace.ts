/**
 * Replace(source, oldValue, regexPattern, regexGroupName, replacementValue,
 * replacementAttributeName, template), case-sensitive, with the modes of the functions
 * page. Where the two Microsoft pages disagree on replacementAttributeName (cloud sync's
 * page says a source without a value is returned as is), the app-provisioning page's
 * worked example wins: a source with a value is returned, and only an empty source takes
 * the regexGroupName match from the replacementAttributeName value ("+91 8887779999" →
 * "8887779999").
 *
 * Patterns are .NET regular expressions; the constructs that differ from JavaScript's are
 * translated: `(?'name'…)` groups, a leading `(?i)`, `\A` and `\z`/`\Z`. Replacement text
 * uses .NET substitutions (`${name}`, `$1`, `${1}`, `$$`, `$&`, `` $` ``, `$'`, `$_`),
 * expanded here, not by JavaScript's own `$<name>` rules.
 */
import { ExpressionError } from '../errors.ts';

export interface ReplaceArguments {
  readonly source: string | null;
  readonly oldValue: string | null;
  readonly regexPattern: string | null;
  readonly regexGroupName: string | null;
  readonly replacementValue: string | null;
  readonly replacementAttributeName: string | null;
  readonly template: string | null;
}

const present = (s: string | null): s is string => s !== null && s !== '';

export function dotNetRegex(pattern: string): RegExp {
  let flags = 'g';
  let body = pattern;
  const inline = /^\(\?([imsx]+)\)/.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    for (const f of inline[1]!) if (f === 'i' || f === 'm' || f === 's') flags += f;
  }
  body = body.replace(/\(\?'([A-Za-z_][A-Za-z0-9_]*)'/g, '(?<$1>').replace(/\\A/g, '^').replace(/\\[zZ]/g, '$');
  if (/\\[pP]\{/.test(body)) flags += 'u';
  try {
    return new RegExp(body, flags);
  } catch (error) {
    throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `"${pattern}" is not a regular expression: ${(error as Error).message}`);
  }
}

/** Expands a .NET replacement pattern for one match. */
function substitute(replacement: string, match: RegExpExecArray, input: string): string {
  return replacement.replace(/\$(\$|&|`|'|_|\{([A-Za-z0-9_]+)\}|(\d+))/g, (whole, what: string, braced?: string, numbered?: string) => {
    if (what === '$') return '$';
    if (what === '&') return match[0];
    if (what === '`') return input.slice(0, match.index);
    if (what === "'") return input.slice(match.index + match[0].length);
    if (what === '_') return input;
    const ref = braced ?? numbered!;
    const value = /^\d+$/.test(ref) ? match[Number(ref)] : match.groups?.[ref];
    return value === undefined ? (/^\d+$/.test(ref) && Number(ref) < match.length ? '' : whole) : value;
  });
}

function eachMatch(re: RegExp, input: string, f: (m: RegExpExecArray) => string): string {
  let out = '';
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(input); m !== null; m = re.exec(input)) {
    out += input.slice(last, m.index) + f(m);
    last = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
  }
  return out + input.slice(last);
}

export function replace(a: ReplaceArguments): string | null {
  if (present(a.regexPattern) && present(a.regexGroupName) && a.replacementValue === null && a.replacementAttributeName !== null) {
    if (present(a.source)) return a.source;
    const re = dotNetRegex(a.regexPattern);
    const m = re.exec(a.replacementAttributeName);
    return m?.groups?.[a.regexGroupName] ?? null;
  }
  if (a.source === null) return null;
  if (present(a.regexPattern)) {
    const re = dotNetRegex(a.regexPattern);
    if (present(a.regexGroupName)) return replaceGroup(re, a.source, a.regexGroupName, a.replacementValue ?? '');
    return eachMatch(re, a.source, (m) => substitute(a.replacementValue ?? '', m, a.source!));
  }
  if (present(a.oldValue)) {
    if (a.template !== null) return a.template.split(a.oldValue).join(a.source);
    return a.source.split(a.oldValue).join(a.replacementValue ?? '');
  }
  return a.source;
}

/** Replaces, in every match, the text of the named group with the replacement. */
function replaceGroup(re: RegExp, input: string, group: string, replacement: string): string {
  if (!re.source.includes(`(?<${group}>`)) {
    throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `the pattern "${re.source}" has no group named "${group}"`);
  }
  const withIndices = new RegExp(re.source, re.flags.includes('d') ? re.flags : `${re.flags}d`);
  return eachMatch(withIndices, input, (m) => {
    const span = m.indices?.groups?.[group];
    if (!span) return m[0];
    const [from, to] = span;
    return m[0].slice(0, from - m.index) + replacement + m[0].slice(to - m.index);
  });
}
