/**
 * Parses a $filter in time linear in its length, with the same tree odata-filter-to-ast
 * builds. That package is a PEG parser without memoisation: every level of grouping
 * parentheses multiplies its work by about four (a filter wrapped in 11 pairs took 31 s).
 * So the boolean structure — `or`, `and` and grouping parentheses, the part that nests — is
 * read here, and the package parses only the terms between them (a comparison, a function
 * call, an `in` list), each small and free of grouping.
 *
 * The grammar mirrors the package's (OData ABNF boolCommonExpr as the package reads it):
 *   or      = and [ SP+ "or" SP+ or ]          right-associative, like the package
 *   and     = primary [ SP+ "and" SP+ and ]
 *   primary = "(" SP* or SP* ")" | term
 * A group leaves no node of its own in the package's tree, nor here. Inside a term, a
 * parenthesis that does not follow a name (a call or `in`) is a group the package would
 * have to backtrack over, so a term may hold at most one level of those.
 *
 * The package lacks three parts of OData's grammar that Graph accepts, and they are read
 * here with the rest of the structure (OData ABNF notExpr, lambda any/all, dateTimeOffsetValue):
 *   primary = "not" (SP+ | &"(") primary            → { type: 'NotExpr', value }
 *           | name "/" ("any" | "all") "(" SP* var SP* ":" SP* or SP* ")"
 *                                                    → { type: 'LambdaExpr', name, property, variable, value }
 *   and a datetime literal (2021-01-01, 2021-01-01T00:00:00Z) in a term goes to the package
 *   as a string marked with DATETIME_MARK, so the translator knows its type.
 * Keywords (and, or, not) are matched without case, as Graph does (`NOT(…)`, `… OR …`).
 */
import { parseFilter } from 'odata-filter-to-ast';
import { endOfString, keywordAt } from './odata-limits.ts';

export type FilterAst = ReturnType<typeof parseFilter>;

export class FilterSyntaxError extends Error {}

/** Prefix of a datetime literal handed to the package as a string; refused in client input. */
export const DATETIME_MARK = '\u0001';

export interface NotNode {
  readonly type: 'NotExpr';
  readonly value: FilterAst;
}

export interface LambdaNode {
  readonly type: 'LambdaExpr';
  readonly name: 'any' | 'all';
  readonly property: string;
  readonly variable: string;
  readonly value: FilterAst;
}

const LAMBDA_START = /([A-Za-z_]\w*)\/(any|all)\( *([A-Za-z_]\w*) *: */iy;
const DATETIME = /(?<![\w'.:-])(\d{4}-\d\d-\d\d(?:T\d\d:\d\d(?::\d\d(?:\.\d{1,7})?)?(?:Z|[+-]\d\d:\d\d))?)(?![\w'.:-])/g;

/** Datetime literals outside quoted strings become marked strings (see the header). */
function markDatetimes(term: string): string {
  if (!/\d{4}-\d\d-\d\d/.test(term)) return term;
  let out = '';
  let i = 0;
  while (i < term.length) {
    const quote = term.indexOf("'", i);
    const plainEnd = quote < 0 ? term.length : quote;
    out += term.slice(i, plainEnd).replace(DATETIME, `'${DATETIME_MARK}$1'`);
    if (quote < 0) break;
    const close = endOfString(term, quote);
    out += term.slice(quote, close + 1);
    i = close + 1;
  }
  return out;
}

/** Group parentheses allowed inside one term (e.g. `id eq ('a')`); see the header. */
const TERM_GROUP_DEPTH = 1;

export function parseFilterStructure(text: string): FilterAst {
  const reader = new StructureReader(text);
  const ast = reader.or();
  reader.skipSpaces();
  if (!reader.atEnd()) throw new FilterSyntaxError(`Expected " ", "and", "or" or end of input but "${text[reader.at]}" found.`);
  return ast;
}

class StructureReader {
  at = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.at >= this.text.length;
  }

  skipSpaces(): number {
    const start = this.at;
    while (this.text[this.at] === ' ') this.at++;
    return this.at - start;
  }

  /** Consumes SP+ word SP+ when it comes next; otherwise leaves the position alone. */
  joiner(word: 'and' | 'or'): boolean {
    let i = this.at;
    while (this.text[i] === ' ') i++;
    if (i === this.at || !keywordAt(this.text, i, word)) return false;
    this.at = i + word.length;
    this.skipSpaces();
    return true;
  }

  or(): FilterAst {
    const operands = [this.and()];
    while (this.joiner('or')) operands.push(this.and());
    return rightAssociative('OrExpr', operands);
  }

  and(): FilterAst {
    const operands = [this.primary()];
    while (this.joiner('and')) operands.push(this.primary());
    return rightAssociative('AndExpr', operands);
  }

  primary(): FilterAst {
    if (this.notAhead()) {
      this.at += 3;
      this.skipSpaces();
      return { type: 'NotExpr', value: this.primary() } satisfies NotNode as unknown as FilterAst;
    }
    LAMBDA_START.lastIndex = this.at;
    const lambda = LAMBDA_START.exec(this.text);
    if (lambda) {
      this.at = LAMBDA_START.lastIndex;
      const value = this.or();
      this.skipSpaces();
      this.expectClose();
      const node: LambdaNode = { type: 'LambdaExpr', name: lambda[2]!.toLowerCase() as 'any' | 'all', property: lambda[1]!, variable: lambda[3]!, value };
      return node as unknown as FilterAst;
    }
    if (this.text[this.at] !== '(') return this.term();
    this.at++;
    this.skipSpaces();
    const inner = this.or();
    this.skipSpaces();
    this.expectClose();
    return inner;
  }

  expectClose(): void {
    if (this.text[this.at] !== ')') {
      throw new FilterSyntaxError(this.atEnd() ? 'Expected ")" but end of input found.' : `Expected ")" but "${this.text[this.at]}" found.`);
    }
    this.at++;
  }

  /** `not` followed by spaces or a parenthesis (so `notes eq 'x'` is a term). */
  notAhead(): boolean {
    const next = this.text[this.at + 3];
    return this.text.slice(this.at, this.at + 3).toLowerCase() === 'not' && (next === ' ' || next === '(');
  }

  /** A term runs to the next top-level ` and `, ` or `, unmatched `)` or the end. */
  term(): FilterAst {
    const start = this.at;
    const text = this.text;
    const groups: boolean[] = [];
    let groupDepth = 0;
    let i = start;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === "'") {
        i = endOfString(text, i);
      } else if (c === '(') {
        const group = !followsName(text, i);
        groups.push(group);
        if (group && ++groupDepth > TERM_GROUP_DEPTH) throw new FilterSyntaxError('Too many nested parentheses inside one term.');
      } else if (c === ')') {
        if (groups.length === 0) break;
        if (groups.pop()) groupDepth--;
      } else if (c === ' ' && groups.length === 0 && (keywordAt(text, i + 1, 'and') || keywordAt(text, i + 1, 'or'))) {
        break;
      }
    }
    let end = i;
    while (end > start && text[end - 1] === ' ') end--;
    this.at = end;
    if (end === start) throw new FilterSyntaxError(this.atEnd() ? 'Expected an expression but end of input found.' : `Expected an expression but "${text[start]}" found.`);
    try {
      return parseFilter(markDatetimes(text.slice(start, end)));
    } catch (error) {
      throw new FilterSyntaxError((error as Error).message);
    }
  }
}

/** `(` right after a name (`startswith(`, `any(`) or after `in ` opens a call or a list. */
function followsName(text: string, paren: number): boolean {
  let i = paren - 1;
  while (i >= 0 && text[i] === ' ') i--;
  return i >= 0 && /[\w/]/.test(text[i]!);
}

function rightAssociative(type: 'AndExpr' | 'OrExpr', operands: FilterAst[]): FilterAst {
  let node = operands[operands.length - 1]!;
  for (let k = operands.length - 2; k >= 0; k--) node = { type, left: operands[k], right: node } as FilterAst;
  return node;
}
