/**
 * Graph's $filter subset, parsed by odata-filter-to-ast (OData ABNF) and translated into the
 * store's Predicate: eq, ne, in, startswith, endswith, and, or, parentheses. Graph's rules on
 * top of OData: the property is on the left, types must match, and `ne`, `endswith` and
 * `eq null` are "advanced queries" that need ConsistencyLevel: eventual and $count=true
 * (Graph "Advanced query capabilities on Microsoft Entra ID objects").
 */
import type { Predicate } from '../directory/store.ts';
import type { PropertyKind } from '../directory/properties.ts';
import { badRequest, unsupportedQuery } from './errors.ts';
import { canonicalProperty, type GraphResource } from './resources.ts';
import { checkFilterBounds } from './odata-limits.ts';
import { parseFilterStructure } from './odata-filter-structure.ts';

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
}

const EDM: Record<PropertyKind, string> = { string: 'Edm.String', id: 'Edm.String', datetime: 'Edm.DateTimeOffset', boolean: 'Edm.Boolean', strings: 'Collection(Edm.String)' };

class Translator {
  advanced = false;
  constructor(private readonly resource: GraphResource) {}

  unsupported(property: string): never {
    const type = this.resource.name[0]!.toUpperCase() + this.resource.name.slice(1);
    throw unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${property}' of resource '${type}'.`);
  }

  property(node: Node | undefined): { name: string; kind: PropertyKind } {
    if (node?.type !== 'MemberExpr' || typeof node.value !== 'string') throw unsupportedQuery('Unsupported Query.');
    const name = canonicalProperty(this.resource, node.value);
    if (!name) throw badRequest(`Could not find a property named '${node.value}' on type 'microsoft.graph.${this.resource.name}'.`);
    const kind = this.resource.properties[name]!;
    if (kind === 'strings') this.unsupported(name);
    return { name, kind };
  }

  literal(node: Node | undefined, kind: PropertyKind, operator: string): string | boolean | null {
    if (node?.type !== 'Primitive') throw unsupportedQuery('Unsupported Query.');
    const value = node.value;
    if (value === null) return null;
    const ok = kind === 'boolean' ? typeof value === 'boolean' : typeof value === 'string';
    if (!ok) {
      const found = typeof value === 'boolean' ? 'Edm.Boolean' : typeof value === 'number' ? 'Edm.Int32' : 'Edm.String';
      throw badRequest(`A binary operator with incompatible types was detected. Found operand types '${EDM[kind]}' and '${found}' for operator kind '${operator}'.`);
    }
    return value as string | boolean;
  }

  translate(node: Node): Predicate {
    switch (node.type) {
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
