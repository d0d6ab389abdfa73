/**
 * SCIM filters (RFC 7644 §3.4.2.2), parsed with the `scim2-parse-filter` package.
 *
 * The package gets the grammar's structure right: `and` binds tighter than `or`, `not`
 * and parentheses group, `[ ]` value paths nest, operators are case-insensitive, and
 * attribute paths may carry a schema URN (`urn:…:enterprise:2.0:User:employeeNumber`).
 * Its string lexing falls short, so the strings never reach it (checked with 0.2.10):
 *   - it rewrites every backslash not followed by `"` before JSON.parse, so the JSON
 *     escapes RFC 7644 requires (`\\`, `\u00e9`, `\n`) come out wrong and `"a\\"` fails;
 *   - its quoted-string regex `"(?:[^"\\]|\\.|\n)*"` backtracks exponentially on an
 *     unterminated string holding newlines (26 newlines: 0.4 s, each one more doubles it).
 * So we lex every quoted string ourselves as a JSON string (RFC 8259 §7), hand the package
 * a numbered placeholder in its place, and put the decoded value back into the tree.
 * Its tokenizer also copies the rest of the input once per token (quadratic), hence the
 * length limit. `$ref` is not accepted as an attribute name by the package; no attribute
 * this service filters on needs it.
 */
import { parse as parseWithPackage } from 'scim2-parse-filter';
import type { Filter as PackageFilter } from 'scim2-parse-filter';
import { scimErrors } from './scim-error.ts';

export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';
export type CompValue = boolean | null | number | string;

export type Filter =
  | { readonly op: 'and' | 'or'; readonly filters: readonly Filter[] }
  | { readonly op: 'not'; readonly filter: Filter }
  | { readonly op: 'pr'; readonly attrPath: string }
  | { readonly op: CompareOperator; readonly attrPath: string; readonly compValue: CompValue }
  | { readonly op: '[]'; readonly attrPath: string; readonly valFilter: Filter };

/** Longest filter accepted; far beyond any filter a provisioning engine sends. */
export const MAX_FILTER_LENGTH = 10_000;
/**
 * Deepest nesting of `( )` and `[ ]` accepted. The package recurses once per level (5,000
 * levels overflowed the stack); real filters nest two or three.
 */
export const MAX_FILTER_DEPTH = 32;
/** Most comparisons (and `pr` tests) in one filter: the package's tokenizer is quadratic. */
export const MAX_FILTER_TERMS = 200;

/** Parses a filter; any syntax fault is a 400 invalidFilter (RFC 7644 §3.4.2.2). */
export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) {
    throw scimErrors.invalidFilter(`filter is longer than ${MAX_FILTER_LENGTH} characters`);
  }
  if (text.trim() === '') throw scimErrors.invalidFilter('filter is empty');
  const { masked, strings } = maskStrings(text);
  checkShape(masked);
  let parsed: PackageFilter;
  try {
    parsed = parseWithPackage(masked);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw scimErrors.invalidFilter(`filter is not valid: ${unmask(why, strings)}`, error);
  }
  return restore(parsed, strings);
}

/** Refuses a filter nested or joined beyond the bounds above, in one pass, before parsing. */
function checkShape(masked: string): void {
  let depth = 0;
  for (const c of masked) {
    if (c === '(' || c === '[') {
      if (++depth > MAX_FILTER_DEPTH) throw scimErrors.invalidFilter(`filter nests parentheses or brackets deeper than ${MAX_FILTER_DEPTH} levels`);
    } else if (c === ')' || c === ']') {
      depth = Math.max(0, depth - 1);
    }
  }
  // Each comparison or presence test has exactly one operator word between spaces.
  const terms = masked.match(/\s(?:eq|ne|co|sw|ew|gt|lt|ge|le|pr)(?=[\s)\]]|$)/gi)?.length ?? 0;
  if (terms > MAX_FILTER_TERMS) throw scimErrors.invalidFilter(`filter has more than ${MAX_FILTER_TERMS} comparisons`);
}

/**
 * Replaces each quoted string by `"<n>"` and returns the decoded values. A string is a
 * JSON string (RFC 7644 §3.4.2.2 "compValue … JSON string"), so JSON.parse decodes it.
 */
function maskStrings(text: string): { masked: string; strings: string[] } {
  const strings: string[] = [];
  let masked = '';
  let i = 0;
  while (i < text.length) {
    const quote = text.indexOf('"', i);
    if (quote < 0) {
      masked += text.slice(i);
      break;
    }
    masked += text.slice(i, quote);
    let end = quote + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    if (end >= text.length) throw scimErrors.invalidFilter(`unterminated string starting at offset ${quote}`);
    const literal = text.slice(quote, end + 1);
    let value: unknown;
    try {
      value = JSON.parse(literal);
    } catch {
      throw scimErrors.invalidFilter(`string at offset ${quote} is not a valid JSON string`);
    }
    masked += `"${strings.length}"`;
    strings.push(value as string);
    i = end + 1;
  }
  return { masked, strings };
}

function unmask(message: string, strings: readonly string[]): string {
  return message.replace(/"(\d+)"/g, (whole, n: string) => JSON.stringify(strings[Number(n)] ?? whole));
}

function restore(node: PackageFilter, strings: readonly string[]): Filter {
  switch (node.op) {
    case 'and':
    case 'or':
      return { op: node.op, filters: (node as { filters: PackageFilter[] }).filters.map((f) => restore(f, strings)) };
    case 'not':
      return { op: 'not', filter: restore((node as { filter: PackageFilter }).filter, strings) };
    case 'pr':
      return { op: 'pr', attrPath: (node as { attrPath: string }).attrPath };
    case '[]': {
      const path = node as { attrPath: string; valFilter: PackageFilter };
      return { op: '[]', attrPath: path.attrPath, valFilter: restore(path.valFilter, strings) };
    }
    default: {
      const compare = node as { op: CompareOperator; attrPath: string; compValue: CompValue };
      const value = typeof compare.compValue === 'string' ? strings[Number(compare.compValue)] : compare.compValue;
      if (value === undefined) throw scimErrors.invalidFilter('filter is not valid');
      return { op: compare.op, attrPath: compare.attrPath, compValue: value };
    }
  }
}

/** An attribute path split per RFC 7644 §3.10: `[URI ":"] ATTRNAME *1subAttr`. */
export interface AttrPath {
  /** The schema URN when the path names one, as written. */
  readonly schema?: string;
  readonly attribute: string;
  readonly subAttribute?: string;
}

export function parseAttrPath(path: string): AttrPath {
  let schema: string | undefined;
  let rest = path;
  if (/^urn:/i.test(path)) {
    // The URN runs to the last ':'; ATTRNAME has no ':' (RFC 7643 §2.1), sub-attribute too.
    const colon = path.lastIndexOf(':');
    schema = path.slice(0, colon);
    rest = path.slice(colon + 1);
  }
  const match = /^([A-Za-z$][\w$-]*)(?:\.([A-Za-z$][\w$-]*))?$/.exec(rest);
  if (!match?.[1]) throw scimErrors.invalidPath(`"${path}" is not a valid attribute path`);
  return {
    ...(schema === undefined ? {} : { schema }),
    attribute: match[1],
    ...(match[2] === undefined ? {} : { subAttribute: match[2] }),
  };
}
