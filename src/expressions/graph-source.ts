/**
 * Expressions to and from Graph's attributeMappingSource JSON (microsoft-graph-docs
 * resources/synchronization-attributemappingsource: `{expression, name, type:
 * Attribute|Constant|Function, parameters: [{key, value: attributeMappingSource}]}`).
 *
 * Written as Graph writes it (its sample for `Mid([userPrincipalName], 1, 8)`): the top
 * source's `expression` is the text as written; each parameter's `expression` is its own
 * text, a constant's shown quoted (`"\"1\""`); parameter keys are the function page's
 * parameter names, repeating ones numbered (`source1`, `source2`); an empty positional
 * argument has no parameter.
 *
 * Where Graph's documentation is silent, chosen here: the comparison and `&` operators of
 * IIF conditions are Function sources named by the operator (`=`, `<>`, `&`, …) with
 * parameters `left` and `right`; a Constant keeps a number or `&H` literal as written in
 * `name` ("&HF7"), which every numeric argument accepts.
 *
 * Reading JSON: `type`, `name` and `parameters` are the source of truth (they are what
 * Graph evaluates). When `expression` is present too it must say the same thing, else the
 * source is refused naming both; when it does, it is kept as the text, so JSON → expression
 * → JSON is exact. A Function given only as `expression` (no parameters) is parsed from it.
 */
import type { BinaryOperator, ExpressionNode, ParsedExpression } from './ast.ts';
import { FUNCTIONS, parameterIndex, parameterKeys } from './catalog.ts';
import { ExpressionError } from './errors.ts';
import { parseExpression } from './parse.ts';
import { printNode, quoteString } from './print.ts';

export interface GraphMappingSource {
  expression?: string | null;
  name: string | null;
  parameters?: { key: string; value: GraphMappingSource }[];
  type: 'Attribute' | 'Constant' | 'Function';
}

const OPERATORS = new Set<string>(['=', '<>', '>', '>=', '<', '<=', '&']);

/** The Graph JSON of a parsed expression. */
export function toGraphSource(parsed: ParsedExpression): GraphMappingSource {
  return source(parsed.root, parsed.text, true);
}

function source(n: ExpressionNode, text: string, top: boolean): GraphMappingSource {
  const own = top ? text : text.slice(n.start, n.end);
  switch (n.kind) {
    case 'attribute':
      return { expression: own, name: n.name, parameters: [], type: 'Attribute' };
    case 'string':
      return { expression: top ? own : quoteString(n.value), name: n.value, parameters: [], type: 'Constant' };
    case 'number':
      return { expression: top ? own : quoteString(n.raw), name: n.raw, parameters: [], type: 'Constant' };
    case 'identifier':
      return { expression: top ? own : quoteString(n.name), name: n.name, parameters: [], type: 'Constant' };
    case 'empty':
      return { expression: '', name: null, parameters: [], type: 'Constant' };
    case 'binary':
      return {
        expression: own,
        name: n.operator,
        parameters: [
          { key: 'left', value: source(n.left, text, false) },
          { key: 'right', value: source(n.right, text, false) },
        ],
        type: 'Function',
      };
    case 'call': {
      const spec = FUNCTIONS.get(n.name);
      const keys = spec ? parameterKeys(spec, n.args.length) : n.args.map((_, i) => `arg${i + 1}`);
      const parameters = n.args.flatMap((arg, i) => (arg.kind === 'empty' ? [] : [{ key: keys[i]!, value: source(arg, text, false) }]));
      return { expression: own, name: n.name, parameters, type: 'Function' };
    }
  }
}

/** A parsed expression from Graph JSON; `path` names the source in error messages. */
export function fromGraphSource(json: unknown, path = 'source'): ParsedExpression {
  const structural = build(json, path);
  const given = (json as { expression?: unknown }).expression;
  const onlyText = structural === 'from-expression';
  if (typeof given === 'string' && given.trim() !== '') {
    let parsed: ParsedExpression;
    try {
      parsed = parseExpression(given);
    } catch (error) {
      if (error instanceof ExpressionError) throw new ExpressionError(error.code, `${path}.expression "${given}": ${error.message}`, undefined, { cause: error });
      throw error;
    }
    if (!onlyText && !sameStructure(parsed.root, structural)) {
      throw new ExpressionError('ERR_EXPRESSION_SOURCE_INVALID',
        `${path}: its expression "${given}" does not match its name and parameters (${printNode(structural)}); send one of them, or both saying the same`);
    }
    return parsed;
  }
  if (onlyText) throw new ExpressionError('ERR_EXPRESSION_SOURCE_INVALID', `${path}: a Function source needs parameters or an expression`);
  // No text given: print the tree and parse that, so every node has a position for errors.
  return parseExpression(printNode(structural));
}

const at = (start = 0) => ({ start, end: start });

/** The tree the JSON's type/name/parameters say, or 'from-expression' for a bare Function. */
function build(json: unknown, path: string): ExpressionNode | 'from-expression' {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ExpressionError('ERR_EXPRESSION_SOURCE_INVALID', `${path} must be an attributeMappingSource object`);
  }
  const s = json as Record<string, unknown>;
  const type = s.type ?? 'Attribute';
  const name = s.name;
  const parameters = s.parameters ?? [];
  if (!Array.isArray(parameters)) throw new ExpressionError('ERR_EXPRESSION_SOURCE_INVALID', `${path}.parameters must be an array`);
  switch (type) {
    case 'Attribute':
      if (typeof name !== 'string' || name.trim() === '') {
        if (typeof s.expression === 'string' && s.expression.trim() !== '') return 'from-expression';
        throw new ExpressionError('ERR_EXPRESSION_SOURCE_INVALID', `${path}: an Attribute source needs the attribute's name`);
      }
      return { kind: 'attribute', name, ...at() };
    case 'Constant':
      if (name !== null && name !== undefined && typeof name !== 'string') {
        throw new ExpressionError('ERR_EXPRESSION_SOURCE_INVALID', `${path}: a Constant's name (its value) must be a string`);
      }
      return { kind: 'string', value: name ?? '', ...at() };
    case 'Function': {
      if (typeof name !== 'string' || name === '') {
        if (typeof s.expression === 'string' && s.expression.trim() !== '') return 'from-expression';
        throw new ExpressionError('ERR_EXPRESSION_SOURCE_INVALID', `${path}: a Function source needs the function's name`);
      }
      if (parameters.length === 0 && typeof s.expression === 'string' && s.expression.trim() !== '' && !/^[A-Za-z_]\w*\(\s*\)$/.test(s.expression.trim())) {
        return 'from-expression';
      }
      return OPERATORS.has(name) ? operator(name as BinaryOperator, parameters, path) : call(name, parameters, path);
    }
    default:
      throw new ExpressionError('ERR_EXPRESSION_SOURCE_INVALID', `${path}.type must be Attribute, Constant or Function, not ${JSON.stringify(type)}`);
  }
}

function entries(parameters: unknown[], path: string): { key: string; value: unknown; path: string }[] {
  const seen = new Set<string>();
  return parameters.map((p, i) => {
    const entry = p as { key?: unknown; value?: unknown } | null;
    if (!entry || typeof entry.key !== 'string') throw new ExpressionError('ERR_EXPRESSION_SOURCE_INVALID', `${path}.parameters[${i}] needs a key`);
    if (seen.has(entry.key)) throw new ExpressionError('ERR_EXPRESSION_SOURCE_INVALID', `${path}.parameters has the key "${entry.key}" twice`);
    seen.add(entry.key);
    return { key: entry.key, value: entry.value, path: `${path}.parameters[${i}] (${entry.key})` };
  });
}

function resolved(value: unknown, path: string): ExpressionNode {
  const node = build(value, path);
  return node === 'from-expression' ? fromGraphSource(value, path).root : node;
}

function operator(op: BinaryOperator, parameters: unknown[], path: string): ExpressionNode {
  const byKey = new Map(entries(parameters, path).map((e) => [e.key, e]));
  const left = byKey.get('left');
  const right = byKey.get('right');
  if (!left || !right || byKey.size !== 2) throw new ExpressionError('ERR_EXPRESSION_SOURCE_INVALID', `${path}: the operator ${op} takes the parameters left and right`);
  return { kind: 'binary', operator: op, left: resolved(left.value, left.path), right: resolved(right.value, right.path), ...at() };
}

function call(name: string, parameters: unknown[], path: string): ExpressionNode {
  const spec = FUNCTIONS.get(name);
  const list = entries(parameters, path);
  if (!spec) throw new ExpressionError('ERR_EXPRESSION_UNKNOWN_FUNCTION', `${path}: unknown function ${name}`);
  const args: ExpressionNode[] = [];
  const keys = list.map((e) => e.key);
  for (const e of list) {
    const index = parameterIndex(spec, e.key, keys);
    if (index === undefined) {
      throw new ExpressionError('ERR_EXPRESSION_SOURCE_INVALID', `${e.path}: ${name} has no parameter "${e.key}" (${spec.parameters.map((p) => p.name).join(', ')})`);
    }
    args[index] = resolved(e.value, e.path);
  }
  for (let i = 0; i < args.length; i++) args[i] ??= { kind: 'empty', ...at() };
  return { kind: 'call', name, args, ...at() };
}

/** Same meaning: spans, literal kinds (1 vs "1") and trailing empty arguments ignored. */
export function sameStructure(a: ExpressionNode, b: ExpressionNode): boolean {
  const literal = (n: ExpressionNode): string | undefined =>
    n.kind === 'string' ? n.value : n.kind === 'number' ? n.raw : n.kind === 'identifier' ? n.name : undefined;
  const la = literal(a);
  const lb = literal(b);
  if (la !== undefined || lb !== undefined) return la === lb;
  if (a.kind === 'attribute' && b.kind === 'attribute') return a.name === b.name;
  if (a.kind === 'empty' && b.kind === 'empty') return true;
  if (a.kind === 'binary' && b.kind === 'binary') return a.operator === b.operator && sameStructure(a.left, b.left) && sameStructure(a.right, b.right);
  if (a.kind === 'call' && b.kind === 'call') {
    const trim = (args: readonly ExpressionNode[]): readonly ExpressionNode[] => {
      let end = args.length;
      while (end > 0 && args[end - 1]!.kind === 'empty') end--;
      return args.slice(0, end);
    };
    // FormatDateTime(s, , in, out) and FormatDateTime(s, in, out) say the same (no dateTimeStyles).
    const styles = (n: typeof a): readonly ExpressionNode[] =>
      n.name === 'FormatDateTime' && n.args.length === 4 && n.args[1]!.kind === 'empty' ? [n.args[0]!, n.args[2]!, n.args[3]!] : n.args;
    const x = trim(styles(a));
    const y = trim(styles(b));
    return a.name === b.name && x.length === y.length && x.every((arg, i) => sameStructure(arg, y[i]!));
  }
  return false;
}
