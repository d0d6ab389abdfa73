/**
 * Attribute scoping filters: an objectMapping's `scope` (Graph filter → filterGroup →
 * filterClause {sourceOperandName, operatorName, targetOperand.values}). As entra-docs
 * "Scoping users or groups to be provisioned with scoping filters" defines them: the clauses
 * of one filter group are ANDed, the groups are ORed, an object passes when every clause of
 * any group is true. Operators and their meaning come from that page:
 *
 * - EQUALS / NOT EQUALS: exact, case-sensitive; with several target values, EQUALS is true
 *   when the attribute equals one of them, NOT EQUALS when it equals none (the page gives
 *   one value; several are our reading of targetOperand.values).
 * - Includes / ENDS_WITH: case-sensitive contains / ends with.
 * - REGEX MATCH / NOT REGEX MATCH: .NET patterns (the translation of expressions' Replace).
 * - Greater_Than / Greater_Than_OR_EQUALS: integers on both sides.
 * - IS TRUE / IS FALSE: the attribute reads as the Boolean true / false (case-insensitive).
 * - IS NULL / IS NOT NULL: the attribute is empty / not empty.
 * - & / !&: true when the attribute's value occurs / does not occur in the clause's value
 *   (the page's words: "the evaluated attribute exists in the input string value").
 * - "Scoping filters will return false if the value is null / empty": every operator but
 *   IS NULL is false on an empty attribute. IS MEMBER OF is refused ("not supported
 *   currently"; the rule's groupFilter scopes by membership), and so are multi-valued
 *   attributes ("Filtering is not supported for multi-valued attributes").
 *
 * Operator names are matched without regard to case, and `_` and a space are the same
 * (the page writes both "NOT EQUALS" and "Greater_Than").
 */
import { CanopyError } from '../core/errors.ts';
import { dotNetRegex } from '../expressions/functions/replace.ts';
import type { AttributeDefinition, Filter, FilterClause } from './schema/synchronization-schema.ts';

type Test = (value: string, targets: readonly string[], compiled: { regex?: RegExp; numbers?: readonly number[] }) => boolean;

interface OperatorSpec {
  readonly name: string;
  readonly arity: 'Unary' | 'Binary';
  readonly test: Test;
  readonly kind?: 'regex' | 'integer';
  /** Decides an empty attribute itself (IS NULL); every other operator is false on one. */
  readonly onEmpty?: boolean;
}

const integer = (text: string): number | undefined => (/^[+-]?\d+$/.test(text.trim()) ? Number(text.trim()) : undefined);

export const FILTER_OPERATORS: readonly OperatorSpec[] = [
  { name: 'EQUALS', arity: 'Binary', test: (v, t) => t.includes(v) },
  { name: 'NOT EQUALS', arity: 'Binary', test: (v, t) => !t.includes(v) },
  { name: 'Includes', arity: 'Binary', test: (v, t) => t.some((x) => v.includes(x)) },
  { name: 'ENDS_WITH', arity: 'Binary', test: (v, t) => t.some((x) => v.endsWith(x)) },
  { name: 'REGEX MATCH', arity: 'Binary', kind: 'regex', test: (v, _t, c) => c.regex!.test(v) },
  { name: 'NOT REGEX MATCH', arity: 'Binary', kind: 'regex', test: (v, _t, c) => !c.regex!.test(v) },
  { name: 'Greater_Than', arity: 'Binary', kind: 'integer', test: (v, _t, c) => { const n = integer(v); return n !== undefined && c.numbers!.some((x) => n > x); } },
  { name: 'Greater_Than_OR_EQUALS', arity: 'Binary', kind: 'integer', test: (v, _t, c) => { const n = integer(v); return n !== undefined && c.numbers!.some((x) => n >= x); } },
  { name: 'IS TRUE', arity: 'Unary', test: (v) => v.trim().toLowerCase() === 'true' },
  { name: 'IS FALSE', arity: 'Unary', test: (v) => v.trim().toLowerCase() === 'false' },
  { name: 'IS NULL', arity: 'Unary', test: () => false, onEmpty: true },
  { name: 'IS NOT NULL', arity: 'Unary', test: () => true },
  { name: '&', arity: 'Binary', test: (v, t) => t.some((x) => x.includes(v)) },
  { name: '!&', arity: 'Binary', test: (v, t) => !t.some((x) => x.includes(v)) },
];

const canonical = (name: string) => name.trim().toUpperCase().replace(/[_\s]+/g, ' ');
const BY_NAME = new Map(FILTER_OPERATORS.map((o) => [canonical(o.name), o]));

/** Graph's filterOperatorSchema for each operator (GET …/schema/filterOperators). */
export function filterOperatorSchemas(): { name: string; arity: string; multivaluedComparisonType: string; supportedAttributeTypes: string[] }[] {
  return FILTER_OPERATORS.map((o) => ({
    name: o.name,
    arity: o.arity,
    multivaluedComparisonType: 'All',
    supportedAttributeTypes: o.kind === 'integer' ? ['Integer', 'String'] : ['String', 'Integer', 'Boolean', 'DateTime'],
  }));
}

interface CompiledClause {
  readonly attribute: string;
  readonly operator: OperatorSpec;
  readonly values: readonly string[];
  readonly regex?: RegExp;
  readonly numbers?: readonly number[];
  /** As the log names it: `department EQUALS "Sales"`. */
  readonly text: string;
}

export interface CompiledScopeFilter {
  readonly groups: readonly { readonly name: string; readonly clauses: readonly CompiledClause[] }[];
}

function compileClause(clause: FilterClause, where: string, attributes: ReadonlyMap<string, AttributeDefinition> | undefined): CompiledClause {
  const operatorName = String(clause?.operatorName ?? '');
  if (canonical(operatorName) === 'IS MEMBER OF' || canonical(operatorName) === 'NOT IS MEMBER OF') {
    throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: operator ${operatorName} is not supported (Microsoft: "The IsMemberOf filter is not supported currently"); scope by group membership with the rule's groupFilter`);
  }
  const operator = BY_NAME.get(canonical(operatorName));
  if (!operator) {
    throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: unknown scoping operator "${operatorName}" (one of ${FILTER_OPERATORS.map((o) => o.name).join(', ')})`);
  }
  const attribute = String(clause.sourceOperandName ?? '');
  if (attribute === '') throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: a clause has no sourceOperandName`);
  if (attributes) {
    const definition = attributes.get(attribute.toLowerCase());
    if (!definition) throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: unknown attribute ${attribute} in a scoping clause`);
    if (definition.multivalued) throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: ${attribute} is multi-valued, and scoping filters do not support multi-valued attributes`);
  }
  const raw = clause.targetOperand?.values;
  const values = Array.isArray(raw) ? raw.map(String) : [];
  if (operator.arity === 'Binary' && values.length === 0) {
    throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: ${attribute} ${operator.name} needs a value in targetOperand.values`);
  }
  const text = `${attribute} ${operator.name}${operator.arity === 'Binary' ? ` ${values.map((v) => JSON.stringify(v)).join(' or ')}` : ''}`;
  if (operator.kind === 'regex') {
    if (values.length !== 1) throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: ${operator.name} takes one pattern`);
    try {
      const re = dotNetRegex(values[0]!);
      return { attribute, operator, values, text, regex: new RegExp(re.source, re.flags.replace('g', '')) };
    } catch (error) {
      throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: ${(error as Error).message}`);
    }
  }
  if (operator.kind === 'integer') {
    const numbers = values.map(integer);
    if (numbers.some((n) => n === undefined)) throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: ${operator.name} compares integers; ${JSON.stringify(values)} is not`);
    return { attribute, operator, values, text, numbers: numbers as number[] };
  }
  return { attribute, operator, values, text };
}

/**
 * The objectMapping's scope, checked once (PUT time and cycle set-up); undefined when it has
 * no clause. `attributes` are the source object's attribute definitions, by lower-case name.
 */
export function compileScopeFilter(scope: Filter | null | undefined, where: string, attributes?: ReadonlyMap<string, AttributeDefinition>): CompiledScopeFilter | undefined {
  if (!scope) return undefined;
  for (const unsupported of ['inputFilterGroups', 'categoryFilterGroups'] as const) {
    if ((scope[unsupported] ?? []).some((g) => (g.clauses ?? []).length > 0)) {
      throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: scope.${unsupported} is not supported; put scoping filters in scope.groups`);
    }
  }
  const groups = (scope.groups ?? [])
    .filter((g) => (g.clauses ?? []).length > 0)
    .map((g, i) => ({ name: g.name || `filter ${i + 1}`, clauses: g.clauses.map((c) => compileClause(c, `${where}, scoping filter "${g.name}"`, attributes)) }));
  return groups.length > 0 ? { groups } : undefined;
}

export type ScopeFilterResult =
  | { readonly passes: true }
  | { readonly passes: false; readonly reason: string }
  /** A partial change that does not carry an attribute a clause needs. */
  | { readonly passes: 'unknown' };

/**
 * Evaluates the filter on an object's attributes (`read` answers undefined for an attribute
 * a partial change does not carry). A group whose clauses are all true passes the object.
 */
export function evaluateScopeFilter(filter: CompiledScopeFilter, read: (name: string) => readonly string[] | undefined): ScopeFilterResult {
  const failures: string[] = [];
  let unknown = false;
  for (const group of filter.groups) {
    let failed: string | undefined;
    let groupUnknown = false;
    for (const clause of group.clauses) {
      const values = read(clause.attribute);
      if (values === undefined) {
        groupUnknown = true;
        continue;
      }
      const value = values.find((v) => v !== '');
      const ok = value === undefined ? clause.operator.onEmpty === true : clause.operator.test(value, clause.values, clause);
      if (!ok) {
        failed = clause.text;
        break;
      }
    }
    if (failed === undefined && !groupUnknown) return { passes: true };
    if (failed === undefined) unknown = true;
    else failures.push(`"${group.name}": ${failed} is false`);
  }
  if (unknown) return { passes: 'unknown' };
  return { passes: false, reason: `no scoping filter passes the object (${failures.join('; ')})` };
}
