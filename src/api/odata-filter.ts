/**
 * Graph's $filter subset, parsed by odata-filter-to-ast (OData ABNF) with the structure,
 * `not`, lambdas and datetime literals read by odata-filter-structure.ts, and translated into
 * the store's Predicate: eq, ne, in, startswith, endswith, gt, ge, lt, le, not, and, or,
 * parentheses, `any`/`all` over a collection. Graph's rules on top of OData: the property is
 * on the left, types must match, and `ne`, `not`, `endswith`, `eq null`, `gt`/`lt`, `all` and
 * comparisons of createdDateTime are "advanced queries" that need ConsistencyLevel: eventual
 * and $count=true (Graph "Advanced query capabilities on Microsoft Entra ID objects").
 * A property Graph has but Canopy does not store (graph-properties.ts) filters as the value
 * it answers: userType as 'Member', a collection as empty; others are Request_UnsupportedQuery.
 */
import { LAMBDA_ELEMENT, type Predicate } from '../directory/store.ts';
import type { PropertyKind } from '../directory/properties.ts';
import { badRequest, unsupportedQuery } from './errors.ts';
import { canonicalProperty, canonicalUnstored, type GraphResource } from './resources.ts';
import { checkFilterBounds } from './odata-limits.ts';
import { DATETIME_MARK, parseFilterStructure } from './odata-filter-structure.ts';
import { unstoredValue } from './graph-properties.ts';

export interface ParsedFilter {
  readonly predicate: Predicate;
  /** true when the filter needs the advanced-query headers. */
  readonly advanced: boolean;
}

interface Node {
  readonly type: string;
  readonly left?: Node;
  readonly right?: Node;
  readonly value?: unknown;
  readonly name?: string;
  readonly arguments?: readonly Node[];
  readonly property?: string;
  readonly variable?: string;
}

const TRUE: Predicate = { op: 'and', operands: [] };
const FALSE: Predicate = { op: 'or', operands: [] };
const COMPARISONS: Record<string, { op: 'gt' | 'ge' | 'lt' | 'le'; kind: string }> = {
  GtExpr: { op: 'gt', kind: 'GreaterThan' },
  GeExpr: { op: 'ge', kind: 'GreaterThanOrEqual' },
  LtExpr: { op: 'lt', kind: 'LessThan' },
  LeExpr: { op: 'le', kind: 'LessThanOrEqual' },
};
/** Comparisons Graph answers only as advanced queries, on any property or on these. */
const ADVANCED_COMPARISONS = new Set(['gt', 'lt']);
const ADVANCED_COMPARED = new Set(['createdDateTime', 'deletedDateTime']);

const EDM: Record<PropertyKind, string> = { string: 'Edm.String', id: 'Edm.String', datetime: 'Edm.DateTimeOffset', boolean: 'Edm.Boolean', strings: 'Collection(Edm.String)' };

/** Thrown inside the translator for a comparison on an unstored property: answered as a constant. */
class Unstored {
  constructor(readonly name: string) {}
}

class Translator {
  advanced = false;
  /** The range variable of the lambda being translated (`p` in `proxyAddresses/any(p:…)`). */
  lambda: string | undefined;
  constructor(private readonly resource: GraphResource) {}

  unsupported(property: string): never {
    const type = this.resource.name[0]!.toUpperCase() + this.resource.name.slice(1);
    throw unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${property}' of resource '${type}'.`);
  }

  property(node: Node | undefined): { name: string; kind: PropertyKind } {
    if (node?.type !== 'MemberExpr' || typeof node.value !== 'string') throw unsupportedQuery('Unsupported Query.');
    if (this.lambda !== undefined) {
      // Inside a lambda only the range variable is in scope (Graph does not correlate).
      if (node.value === this.lambda) return { name: LAMBDA_ELEMENT, kind: 'string' };
      throw unsupportedQuery(`Unsupported Query. Only the lambda variable '${this.lambda}' can be used inside any/all.`);
    }
    const name = canonicalProperty(this.resource, node.value);
    if (!name) {
      const unstored = canonicalUnstored(this.resource, node.value);
      if (unstored) throw new Unstored(unstored);
      throw badRequest(`Could not find a property named '${node.value}' on type 'microsoft.graph.${this.resource.name}'.`);
    }
    const kind = this.resource.properties[name]!;
    if (kind === 'strings') this.unsupported(name);
    return { name, kind };
  }

  literal(node: Node | undefined, kind: PropertyKind, operator: string): string | boolean | null {
    if (node?.type !== 'Primitive') throw unsupportedQuery('Unsupported Query.');
    const value = node.value;
    if (value === null) return null;
    const datetime = typeof value === 'string' && value.startsWith(DATETIME_MARK);
    const ok = kind === 'boolean' ? typeof value === 'boolean' : kind === 'datetime' ? typeof value === 'string' : typeof value === 'string' && !datetime;
    if (!ok) {
      const found = typeof value === 'boolean' ? 'Edm.Boolean' : typeof value === 'number' ? 'Edm.Int32' : datetime ? 'Edm.DateTimeOffset' : 'Edm.String';
      throw badRequest(`A binary operator with incompatible types was detected. Found operand types '${EDM[kind]}' and '${found}' for operator kind '${operator}'.`);
    }
    if (kind !== 'datetime') return value as string | boolean;
    // Datetimes go to the store as ISO instants (the adapters compare instants).
    const text = datetime ? (value as string).slice(1) : (value as string);
    const time = Date.parse(text);
    if (Number.isNaN(time)) throw badRequest(`The DateTimeOffset text '${text}' is not a valid value.`);
    return new Date(time).toISOString();
  }

  /** A comparison on an unstored property, as the value it answers for every object. */
  unstoredComparison(name: string, node: Node): Predicate {
    const kind = this.resource.unstored[name]!;
    if (typeof kind !== 'function' || node.left?.type !== 'MemberExpr') return this.unsupported(name);
    const actual = unstoredValue(kind, {});
    if (typeof actual !== 'string') return this.unsupported(name);
    const literals = node.type === 'InExpr' ? ((node.right?.value ?? []) as Node[]) : [node.right];
    const values = literals.map((v) => this.literal(v, 'string', node.type));
    const found = values.some((v) => typeof v === 'string' && v.toLowerCase() === actual.toLowerCase());
    if (node.type === 'NeExpr') this.advanced = true;
    return (node.type === 'NeExpr' ? !found : found) ? TRUE : FALSE;
  }

  lambdaOf(node: Node): Predicate {
    if (this.lambda !== undefined) throw unsupportedQuery('Unsupported Query. Nested lambda operators are not supported.');
    const op = node.name as 'any' | 'all';
    const requested = String(node.property);
    const stored = canonicalProperty(this.resource, requested);
    const unstored = stored ? undefined : canonicalUnstored(this.resource, requested);
    if (!stored && !unstored) throw badRequest(`Could not find a property named '${requested}' on type 'microsoft.graph.${this.resource.name}'.`);
    const isCollection = stored ? this.resource.properties[stored] === 'strings' : this.resource.unstored[unstored!] === 'collection';
    if (!isCollection) this.unsupported(stored ?? unstored!);
    if (op === 'all') this.advanced = true;
    this.lambda = String(node.variable);
    let where: Predicate;
    try {
      where = this.translate(node.value as Node);
    } finally {
      this.lambda = undefined;
    }
    // An unstored collection is empty for every object: any is false, all is true.
    if (!stored) return op === 'any' ? FALSE : TRUE;
    return { op, property: stored, where };
  }

  comparison(node: Node, op: 'gt' | 'ge' | 'lt' | 'le', operator: string): Predicate {
    const { name, kind } = this.property(node.left);
    if (kind === 'boolean') this.unsupported(name);
    const value = this.literal(node.right, kind, operator);
    if (typeof value !== 'string') throw badRequest(`The operator '${op}' needs a ${kind === 'datetime' ? 'datetime' : 'string'} operand.`);
    if (ADVANCED_COMPARISONS.has(op) || ADVANCED_COMPARED.has(name)) this.advanced = true;
    return { op, property: name, value };
  }

  translate(node: Node): Predicate {
    try {
      return this.translateNode(node);
    } catch (error) {
      if (error instanceof Unstored) return this.unstoredComparison(error.name, node);
      throw error;
    }
  }

  translateNode(node: Node): Predicate {
    switch (node.type) {
      case 'NotExpr':
        this.advanced = true;
        return { op: 'not', operand: this.translate(node.value as Node) };
      case 'LambdaExpr':
        return this.lambdaOf(node);
      case 'GtExpr':
      case 'GeExpr':
      case 'LtExpr':
      case 'LeExpr': {
        const { op, kind } = COMPARISONS[node.type]!;
        return this.comparison(node, op, kind);
      }
      case 'AndExpr':
      case 'OrExpr':
        return { op: node.type === 'AndExpr' ? 'and' : 'or', operands: [this.translate(node.left!), this.translate(node.right!)] };
      case 'EqExpr':
      case 'NeExpr': {
        const { name, kind } = this.property(node.left);
        const value = this.literal(node.right, kind, node.type === 'EqExpr' ? 'Equal' : 'NotEqual');
        if (node.type === 'NeExpr' || value === null) this.advanced = true;
        return { op: node.type === 'EqExpr' ? 'eq' : 'ne', property: name, value };
      }
      case 'InExpr': {
        const { name, kind } = this.property(node.left);
        const values = ((node.right?.value ?? []) as Node[]).map((v) => this.literal(v, kind, 'In'));
        return { op: 'in', property: name, values };
      }
      case 'FunctionExpr': {
        const fn = (node.name ?? '').toLowerCase();
        if (fn !== 'startswith' && fn !== 'endswith') throw unsupportedQuery(`Unsupported Query. The function '${node.name}' is not supported.`);
        const [target, argument] = node.arguments ?? [];
        const { name, kind } = this.property(target);
        if (kind === 'boolean') this.unsupported(name);
        const value = this.literal(argument, kind, fn);
        if (typeof value !== 'string') throw badRequest(`The function '${fn}' needs a string argument.`);
        if (fn === 'endswith') this.advanced = true;
        return { op: fn, property: name, value };
      }
      default: {
        const property = node.left?.type === 'MemberExpr' ? String(node.left.value) : 'filter';
        return this.unsupported(property);
      }
    }
  }
}

export function parseGraphFilter(resource: GraphResource, text: string): ParsedFilter {
  // Bounded first, then parsed in linear time (odata-limits.ts, odata-filter-structure.ts).
  checkFilterBounds(text);
  if (text.includes(DATETIME_MARK)) throw badRequest('Invalid filter clause: control characters are not allowed.');
  let ast: Node;
  try {
    ast = parseFilterStructure(text.trim()) as Node;
  } catch (error) {
    throw badRequest(`Invalid filter clause: ${(error as Error).message}`);
  }
  const translator = new Translator(resource);
  const predicate = translator.translate(ast);
  return { predicate, advanced: translator.advanced };
}
