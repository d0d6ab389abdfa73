/**
 * Checks a parsed expression before it is stored (PUT …/schema), so that a mapping fails at
 * PUT time, not on every object at run time: unknown functions (names are case-sensitive;
 * the message suggests the right case), argument counts, SelectUniqueValue only at the
 * top (functions page: "This function must be at the top-level and can't be nested"), and
 * attribute names against the source object when a check is given.
 */
import type { ExpressionNode, ParsedExpression } from './ast.ts';
import { FUNCTIONS, functionNamedLike, type FunctionSpec } from './catalog.ts';
import { ExpressionError } from './errors.ts';

export interface ValidationOptions {
  /** True when the source object type defines the attribute (case-insensitively, as LDAP). */
  readonly attributeExists?: (name: string) => boolean;
  /** A label for messages, e.g. the object type ("user"). */
  readonly sourceObjectName?: string;
}

export function validateExpression(parsed: ParsedExpression, options: ValidationOptions = {}): ExpressionError[] {
  const problems: ExpressionError[] = [];
  walk(parsed.root, true, options, problems);
  return problems;
}

/** Throws the first problem, if any. */
export function assertValidExpression(parsed: ParsedExpression, options: ValidationOptions = {}): void {
  const [first] = validateExpression(parsed, options);
  if (first) throw first;
}

function arityText(spec: FunctionSpec): string {
  const names = spec.parameters.map((p) => (p.repeating ? `${p.name}1, …` : p.required ? p.name : `[${p.name}]`)).join(', ');
  const count = spec.maxArgs === Infinity ? `at least ${spec.minArgs}` : spec.minArgs === spec.maxArgs ? `${spec.minArgs}` : `${spec.minArgs} to ${spec.maxArgs}`;
  return `${spec.name} takes ${count} argument${spec.maxArgs === 1 ? '' : 's'} (${names || 'none'})`;
}

function walk(n: ExpressionNode, top: boolean, options: ValidationOptions, problems: ExpressionError[]): void {
  switch (n.kind) {
    case 'attribute':
      if (options.attributeExists && !options.attributeExists(n.name)) {
        const on = options.sourceObjectName ? ` on ${options.sourceObjectName}` : '';
        problems.push(new ExpressionError('ERR_EXPRESSION_UNKNOWN_ATTRIBUTE', `unknown attribute [${n.name}]${on}`, n.start));
      }
      return;
    case 'binary':
      walk(n.left, false, options, problems);
      walk(n.right, false, options, problems);
      return;
    case 'call': {
      const spec = FUNCTIONS.get(n.name);
      if (!spec) {
        const like = functionNamedLike(n.name);
        const hint = like ? `; function names are case-sensitive: did you mean ${like.name}?` : '';
        problems.push(new ExpressionError('ERR_EXPRESSION_UNKNOWN_FUNCTION', `unknown function ${n.name}${hint}`, n.start));
      } else {
        const count = n.args.length;
        if (count < spec.minArgs || count > spec.maxArgs) {
          problems.push(new ExpressionError('ERR_EXPRESSION_ARITY', `${arityText(spec)}; got ${count}`, n.start));
        } else if (spec.argCountRule && !spec.argCountRule.test(count)) {
          problems.push(new ExpressionError('ERR_EXPRESSION_ARITY', `${spec.name} takes ${spec.argCountRule.says}; got ${count}`, n.start));
        }
        if (spec.name === 'SelectUniqueValue' && !top) {
          problems.push(new ExpressionError('ERR_EXPRESSION_PLACEMENT', 'SelectUniqueValue must be the whole expression; it cannot be nested', n.start));
        }
        spec.parameters.forEach((p, i) => {
          const arg = n.args[i];
          if (p.required && !p.repeating && arg?.kind === 'empty' && !(spec.name === 'FormatDateTime' && i === 1)) {
            problems.push(new ExpressionError('ERR_EXPRESSION_ARITY', `${spec.name}: the required argument ${p.name} is empty`, arg.start));
          }
        });
      }
      for (const arg of n.args) walk(arg, false, options, problems);
      return;
    }
    default:
      return;
  }
}
