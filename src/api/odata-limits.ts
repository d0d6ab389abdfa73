/**
 * Bounds on OData query options, checked before anything parses them. One request must never
 * hold the event loop: the $filter grammar package (odata-filter-to-ast, a PEG parser without
 * memoisation) costs about four times more per level of parentheses, so an 11-level filter
 * took 31 s before these bounds. The check is one linear pass over the text.
 *
 * Graph's own limits are tighter still (15 expressions with `in`, 2,048 characters with
 * advanced queries: Graph "Use the $filter query parameter", known issues); ours leave room
 * for scripts that send longer filters while keeping the worst case a few milliseconds.
 */
import { badRequest } from './errors.ts';

/** Every bound of a Graph query option, in one place. */
export const ODATA_LIMITS = Object.freeze({
  /** Longest $filter, in characters. */
  filterLength: 4096,
  /** Deepest nesting of parentheses in a $filter (groups, calls and `in` lists alike). */
  filterDepth: 8,
  /** Most terms in a $filter: comparisons, function calls and `in` values together. */
  filterTerms: 100,
  /** Longest $select, in characters, and most properties it names. */
  selectLength: 2048,
  selectItems: 100,
});

export interface FilterShape {
  readonly depth: number;
  readonly terms: number;
}

/**
 * Measures a filter in one pass (single-quoted strings, with '' as an escaped quote, are
 * skipped: OData ABNF `SQUOTE-in-string`) and refuses one beyond ODATA_LIMITS with a 400.
 */
export function checkFilterBounds(text: string): FilterShape {
  if (text.length > ODATA_LIMITS.filterLength) {
    throw badRequest(`Invalid filter clause: the filter is longer than ${ODATA_LIMITS.filterLength} characters.`);
  }
  let depth = 0;
  let deepest = 0;
  let joins = 0;
  let commas = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      i = endOfString(text, i);
    } else if (c === '(') {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > ODATA_LIMITS.filterDepth) {
        throw badRequest(`Invalid filter clause: parentheses are nested deeper than ${ODATA_LIMITS.filterDepth} levels.`);
      }
    } else if (c === ')') {
      depth = Math.max(0, depth - 1);
    } else if (c === ',') {
      commas++;
    } else if (c === ' ' && (keywordAt(text, i + 1, 'and') || keywordAt(text, i + 1, 'or'))) {
      joins++;
    }
  }
  const terms = joins + commas + 1;
  if (terms > ODATA_LIMITS.filterTerms) {
    throw badRequest(`Invalid filter clause: the filter has more than ${ODATA_LIMITS.filterTerms} terms (comparisons, functions and 'in' values).`);
  }
  return { depth: deepest, terms };
}

/** Refuses a $select beyond ODATA_LIMITS before it is split and looked up. */
export function checkSelectBounds(text: string): void {
  if (text.length > ODATA_LIMITS.selectLength) {
    throw badRequest(`Invalid $select: longer than ${ODATA_LIMITS.selectLength} characters.`);
  }
  let items = 1;
  for (let i = text.indexOf(','); i >= 0; i = text.indexOf(',', i + 1)) items++;
  if (items > ODATA_LIMITS.selectItems) throw badRequest(`Invalid $select: more than ${ODATA_LIMITS.selectItems} properties.`);
}

/** Index of the quote that closes the string opened at `start` (or the text's end). */
export function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === "'") {
      if (text[i + 1] === "'") i += 2;
      else return i;
    } else {
      i++;
    }
  }
  return text.length;
}

/** `word` at `at` in any case, followed by a space (the grammar's RWS is spaces only). */
export function keywordAt(text: string, at: number, word: string): boolean {
  return text.slice(at, at + word.length).toLowerCase() === word && text[at + word.length] === ' ';
}
