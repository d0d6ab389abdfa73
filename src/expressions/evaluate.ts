/**
 * Evaluates a parsed expression against one source object. Everything is synchronous
 * except SelectUniqueValue, which asks the directory whether each candidate is already
 * taken (an injected look-up), so `evaluate` is async and `evaluateSync` refuses it.
 *
 * Operators (IIF conditions): = and <> compare text exactly (case-sensitive, as Switch
 * does); > >= < <= compare numbers when both sides are numbers, else text ordinally. A
 * null operand makes the comparison false: the page's "If the source attribute used
 * within the IIF function is empty or null, the condition check fails". `&` joins text,
 * null counting as "" (VBA). A multi-valued operand compares by its first value.
 */
import type { BinaryNode, CallNode, ExpressionNode } from './ast.ts';
import { ExpressionError } from './errors.ts';
import { IMPLEMENTATIONS, type FunctionContext } from './functions/index.ts';
import { fromAttributeValues, text, toNumber, toTextValues, type Value } from './values.ts';

export interface EvaluationInput {
  /** An attribute's values by name; undefined or [] is null. */
  readonly attribute: (name: string) => readonly string[] | undefined;
  /** The clock for Now(); the real one by default. */
  readonly now?: () => Date;
  /** SelectUniqueValue: true when no other object holds `value` for the target attribute. */
  readonly isUnique?: (value: string) => boolean | Promise<boolean>;
}

export interface Evaluation {
  readonly value: Value;
  /** IgnoreFlowIfNullOrEmpty fired: the attribute does not flow at all. */
  readonly ignoreFlow: boolean;
  /** Redact ran: logs show "[Redact]" instead of the value. */
  readonly redacted: boolean;
}

class IgnoreFlow {}

export function evaluateSync(root: ExpressionNode, input: EvaluationInput): Evaluation {
  let redacted = false;
  const ctx: FunctionContext = {
    now: input.now ?? (() => new Date()),
    redact: () => {
      redacted = true;
    },
    ignoreFlow: () => {
      throw new IgnoreFlow();
    },
  };
  try {
    const value = node(root, input, ctx);
    return { value, ignoreFlow: false, redacted };
  } catch (error) {
    if (error instanceof IgnoreFlow) return { value: null, ignoreFlow: true, redacted };
    throw error;
  }
}

export async function evaluate(root: ExpressionNode, input: EvaluationInput): Promise<Evaluation> {
  if (root.kind !== 'call' || root.name !== 'SelectUniqueValue') return evaluateSync(root, input);
  if (!input.isUnique) throw new ExpressionError('ERR_EXPRESSION_PLACEMENT', 'SelectUniqueValue needs a directory to check uniqueness against', root.start);
  const tried: string[] = [];
  let redacted = false;
  for (const rule of root.args) {
    const result = evaluateSync(rule, input);
    redacted ||= result.redacted;
    const candidate = text(result.value);
    if (candidate === null || candidate === '') continue;
    if (await input.isUnique(candidate)) return { value: candidate, ignoreFlow: false, redacted };
    tried.push(candidate);
  }
  throw new ExpressionError('ERR_EXPRESSION_NOT_UNIQUE', `SelectUniqueValue: every candidate is already taken (${tried.map((t) => `"${t}"`).join(', ')})`, root.start);
}

function node(n: ExpressionNode, input: EvaluationInput, ctx: FunctionContext): Value {
  switch (n.kind) {
    case 'attribute':
      return fromAttributeValues(input.attribute(n.name));
    case 'string':
      return n.value;
    case 'number':
      return n.value;
    case 'identifier':
      return n.name;
    case 'empty':
      return null;
    case 'binary':
      return binary(n, input, ctx);
    case 'call':
      return call(n, input, ctx);
  }
}

function call(n: CallNode, input: EvaluationInput, ctx: FunctionContext): Value {
  const implementation = IMPLEMENTATIONS[n.name];
  if (!implementation) throw new ExpressionError('ERR_EXPRESSION_UNKNOWN_FUNCTION', `unknown function ${n.name}`, n.start);
  const cache = new Map<number, Value>();
  const args = {
    count: n.args.length,
    arg: (i: number): Value => {
      if (!cache.has(i)) {
        const a = n.args[i];
        cache.set(i, a === undefined ? null : node(a, input, ctx));
      }
      return cache.get(i)!;
    },
  };
  try {
    return implementation(args, ctx);
  } catch (error) {
    // Name the call's column in an error that has none yet (Mid's start below 1, …).
    if (error instanceof ExpressionError && error.position === undefined) {
      throw new ExpressionError(error.code, error.message, n.start, { cause: error });
    }
    throw error;
  }
}

function binary(n: BinaryNode, input: EvaluationInput, ctx: FunctionContext): Value {
  const left = node(n.left, input, ctx);
  const right = node(n.right, input, ctx);
  if (n.operator === '&') return (text(left) ?? '') + (text(right) ?? '');
  const l = text(left);
  const r = text(right);
  if (l === null || r === null) return false;
  if (n.operator === '=') return l === r;
  if (n.operator === '<>') return l !== r;
  const ln = numeric(l);
  const rn = numeric(r);
  const order = ln !== null && rn !== null ? Math.sign(ln - rn) : l < r ? -1 : l > r ? 1 : 0;
  switch (n.operator) {
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
  }
}

function numeric(s: string): number | null {
  try {
    return toNumber(s, '');
  } catch {
    return null;
  }
}

/** The values a mapping flows from an evaluation: text, one per value. */
export function flowValues(evaluation: Evaluation): string[] {
  return toTextValues(evaluation.value);
}
