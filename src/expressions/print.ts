/** The canonical text of a tree: `Name(arg, arg)`, strings quoted with `\` escapes. */
import type { ExpressionNode } from './ast.ts';

export function quoteString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function printNode(n: ExpressionNode): string {
  switch (n.kind) {
    case 'attribute':
      return `[${n.name}]`;
    case 'string':
      return quoteString(n.value);
    case 'number':
      return n.raw;
    case 'identifier':
      return n.name;
    case 'empty':
      return '';
    case 'call':
      return `${n.name}(${n.args.map(printNode).join(', ')})`;
    case 'binary': {
      const side = (s: ExpressionNode): string => (s.kind === 'binary' && s.operator !== '&' ? `(${printNode(s)})` : printNode(s));
      return `${side(n.left)} ${n.operator} ${side(n.right)}`;
    }
  }
}
