/**
 * The syntax tree of an attribute-mapping expression (Entra's expression language,
 * entra-docs app-provisioning/functions-for-customizing-application-data, "Syntax
 * overview"). Every node carries its span in the text (0-based, end exclusive), so that
 * errors name a position and the Graph JSON can hold each node's own text.
 *
 * Beyond the page's three argument kinds (attribute, string constant, function) the
 * worked examples also use numbers (`Mid([x], 1, 3)`, `DateAdd("d", -10, …)`), `&H` hex
 * (`BitAnd(&HF, &HF7)`), bare enum names (`InStr(…, vbBinaryCompare)`,
 * `ConvertFromBase64(…, UTF8)`), empty positional arguments (`Replace([x], , "re", , "", , )`),
 * the comparison operators of IIF (= <> > >= < <=) and VBA's `&` concatenation
 * (cloud-sync reference-expressions: `IIF([employeeType]="Intern","t-" & [alias],[alias])`).
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface AttributeNode extends Span {
  readonly kind: 'attribute';
  readonly name: string;
}

export interface StringNode extends Span {
  readonly kind: 'string';
  readonly value: string;
}

/** A decimal (`-10`, `1.5`) or `&H` hex literal; `raw` is the text as written. */
export interface NumberNode extends Span {
  readonly kind: 'number';
  readonly value: number;
  readonly raw: string;
}

/** A bare name used as an enum constant: `vbTextCompare`, `UTF8`. */
export interface IdentifierNode extends Span {
  readonly kind: 'identifier';
  readonly name: string;
}

/** An argument left empty between commas: it evaluates to null. */
export interface EmptyNode extends Span {
  readonly kind: 'empty';
}

export interface CallNode extends Span {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly ExpressionNode[];
}

export type ComparisonOperator = '=' | '<>' | '>' | '>=' | '<' | '<=';
export type BinaryOperator = ComparisonOperator | '&';

export interface BinaryNode extends Span {
  readonly kind: 'binary';
  readonly operator: BinaryOperator;
  readonly left: ExpressionNode;
  readonly right: ExpressionNode;
}

export type ExpressionNode = AttributeNode | StringNode | NumberNode | IdentifierNode | EmptyNode | CallNode | BinaryNode;

/** A parsed expression: its tree and the text it was parsed from. */
export interface ParsedExpression {
  readonly text: string;
  readonly root: ExpressionNode;
}

/** Every attribute name the expression reads, in first-seen order. */
export function attributesOf(node: ExpressionNode, into: string[] = []): string[] {
  switch (node.kind) {
    case 'attribute':
      if (!into.includes(node.name)) into.push(node.name);
      break;
    case 'call':
      for (const arg of node.args) attributesOf(arg, into);
      break;
    case 'binary':
      attributesOf(node.left, into);
      attributesOf(node.right, into);
      break;
  }
  return into;
}
