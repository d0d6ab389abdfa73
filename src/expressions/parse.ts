/**
 * A recursive-descent parser for the expression language (grammar below; see ast.ts for
 * where each construct comes from). Hand-written rather than generated: the grammar is a
 * dozen lines, and a hand parser can say precisely what it expected at which column.
 *
 *   expression := concat (comparisonOperator concat)?
 *   concat     := primary ("&" primary)*
 *   primary    := "[" name "]" | string | number | "&H" hexDigits
 *               | identifier "(" arguments? ")" | identifier | "(" expression ")"
 *   arguments  := argument ("," argument)*        argument := expression | (nothing)
 *   string     := '"' (char | '\"' | '\\')* '"'  (a backslash before any other character is kept)
 *   number     := "-"? digits ("." digits)?
 */
import type { BinaryOperator, ComparisonOperator, ExpressionNode, ParsedExpression } from './ast.ts';
import { ExpressionError } from './errors.ts';

const COMPARISON_OPERATORS: readonly ComparisonOperator[] = ['<>', '>=', '<=', '=', '>', '<'];
const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;
const HEX_DIGIT = /[0-9A-Fa-f]/;

export function parseExpression(text: string): ParsedExpression {
  const parser = new Parser(text);
  parser.skipSpace();
  if (parser.atEnd()) parser.fail('an expression', 'the end of the text');
  const root = parser.expression();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail('the end of the expression, "&" or a comparison operator');
  return { text, root };
}

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  fail(expected: string, found?: string): never {
    const what = found ?? (this.atEnd() ? 'the end of the text' : JSON.stringify(this.text[this.pos]));
    throw new ExpressionError('ERR_EXPRESSION_SYNTAX', `expected ${expected} but found ${what}`, this.pos);
  }

  expression(): ExpressionNode {
    const left = this.concat();
    this.skipSpace();
    const operator = COMPARISON_OPERATORS.find((op) => this.text.startsWith(op, this.pos));
    if (!operator) return left;
    this.pos += operator.length;
    const right = this.concat();
    return { kind: 'binary', operator, left, right, start: left.start, end: right.end };
  }

  private concat(): ExpressionNode {
    let left = this.primary();
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '&' || this.isHexAhead()) return left;
      this.pos++;
      const right = this.primary();
      const operator: BinaryOperator = '&';
      left = { kind: 'binary', operator, left, right, start: left.start, end: right.end };
    }
  }

  private isHexAhead(): boolean {
    return /^&[Hh][0-9A-Fa-f]/.test(this.text.slice(this.pos, this.pos + 3));
  }

  private primary(): ExpressionNode {
    this.skipSpace();
    const start = this.pos;
    const c = this.text[this.pos];
    if (c === '[') return this.attribute();
    if (c === '"') return this.string();
    if (c === '&') {
      if (!this.isHexAhead()) this.fail('a hex number after "&H"');
      return this.hex();
    }
    if (c !== undefined && (DIGIT.test(c) || (c === '-' && DIGIT.test(this.text[this.pos + 1] ?? '')))) return this.number();
    if (c === '(') {
      this.pos++;
      const inner = this.expression();
      this.skipSpace();
      this.expect(')', '")" to close the parenthesis');
      return { ...inner, start, end: this.pos };
    }
    if (c !== undefined && IDENTIFIER_START.test(c)) return this.nameOrCall();
    return this.fail('an attribute ([name]), a string ("…"), a number or a function call');
  }

  private expect(char: string, what: string): void {
    if (this.text[this.pos] !== char) this.fail(what);
    this.pos++;
  }

  private attribute(): ExpressionNode {
    const start = this.pos++;
    const close = this.text.indexOf(']', this.pos);
    if (close === -1) {
      this.pos = this.text.length;
      this.fail('"]" to close the attribute name opened at column ' + (start + 1));
    }
    const name = this.text.slice(this.pos, close).trim();
    if (name === '') this.fail('an attribute name between "[" and "]"');
    this.pos = close + 1;
    return { kind: 'attribute', name, start, end: this.pos };
  }

  private string(): ExpressionNode {
    const start = this.pos++;
    let value = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail(`a closing quote for the string opened at column ${start + 1}`);
      this.pos++;
      if (c === '"') return { kind: 'string', value, start, end: this.pos };
      if (c === '\\') {
        const next = this.text[this.pos];
        if (next === '"' || next === '\\') {
          value += next;
          this.pos++;
          continue;
        }
      }
      value += c;
    }
  }

  private number(): ExpressionNode {
    const start = this.pos;
    if (this.text[this.pos] === '-') this.pos++;
    while (DIGIT.test(this.text[this.pos] ?? '')) this.pos++;
    if (this.text[this.pos] === '.' && DIGIT.test(this.text[this.pos + 1] ?? '')) {
      this.pos++;
      while (DIGIT.test(this.text[this.pos] ?? '')) this.pos++;
    }
    const raw = this.text.slice(start, this.pos);
    return { kind: 'number', value: Number(raw), raw, start, end: this.pos };
  }

  private hex(): ExpressionNode {
    const start = this.pos;
    this.pos += 2;
    while (HEX_DIGIT.test(this.text[this.pos] ?? '')) this.pos++;
    const raw = this.text.slice(start, this.pos);
    return { kind: 'number', value: parseInt(raw.slice(2), 16), raw, start, end: this.pos };
  }

  private nameOrCall(): ExpressionNode {
    const start = this.pos;
    while (IDENTIFIER_PART.test(this.text[this.pos] ?? '')) this.pos++;
    const name = this.text.slice(start, this.pos);
    this.skipSpace();
    if (this.text[this.pos] !== '(') return { kind: 'identifier', name, start, end: start + name.length };
    this.pos++;
    const args = this.arguments();
    return { kind: 'call', name, args, start, end: this.pos };
  }

  /** After "(": the arguments and the closing ")". `F()` has none; `F(,)` has two empty ones. */
  private arguments(): ExpressionNode[] {
    this.skipSpace();
    if (this.text[this.pos] === ')') {
      this.pos++;
      return [];
    }
    const args: ExpressionNode[] = [];
    for (;;) {
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ',' || c === ')') args.push({ kind: 'empty', start: this.pos, end: this.pos });
      else args.push(this.expression());
      this.skipSpace();
      const after = this.text[this.pos];
      if (after === ',') {
        this.pos++;
        continue;
      }
      if (after === ')') {
        this.pos++;
        return args;
      }
      this.fail('"," or ")" after a function argument');
    }
  }
}
