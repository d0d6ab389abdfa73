/**
 * The expressions part: Entra's attribute-mapping expression language. Parse text to a
 * tree with positions, convert to and from Graph's attributeMappingSource JSON, validate
 * it before it is stored, evaluate it against one source object.
 */
export type { ExpressionNode, ParsedExpression } from './ast.ts';
export { attributesOf } from './ast.ts';
export { ExpressionError, isExpressionError, type ExpressionErrorCode } from './errors.ts';
export { parseExpression } from './parse.ts';
export { printNode } from './print.ts';
export { FUNCTIONS, type FunctionSpec, type ParameterSpec } from './catalog.ts';
export { validateExpression, assertValidExpression, type ValidationOptions } from './validate.ts';
export { toGraphSource, fromGraphSource, sameStructure, type GraphMappingSource } from './graph-source.ts';
export { evaluate, evaluateSync, flowValues, type Evaluation, type EvaluationInput } from './evaluate.ts';
export { toTextValues, type Value } from './values.ts';
