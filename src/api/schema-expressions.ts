/**
 * The expression side of the synchronization schema API: checking a PUT schema before it
 * replaces the running one, GET …/schema/functions and POST …/schema/parseExpression
 * (microsoft-graph-docs synchronization-synchronizationschema-functions and
 * -parseexpression: the response is a parseExpressionResponse with parsedExpression,
 * parsingSucceeded, evaluationResult, evaluationSucceeded and error).
 */
import { isCanopyError } from '../core/errors.ts';
import { compileMappings } from '../engine/cycle.ts';
import { scopeRulesOf } from '../engine/scoping.ts';
import type { SynchronizationSchema } from '../engine/schema/synchronization-schema.ts';
import { evaluateSync, flowValues, FUNCTIONS, fromGraphSource, isExpressionError, parseExpression, toGraphSource, validateExpression } from '../expressions/index.ts';
import { badRequest } from './errors.ts';

/** Throws a 400 naming the first problem (unknown function, arity, attribute, …). */
export function checkSchema(schema: SynchronizationSchema): void {
  try {
    compileMappings(schema);
    scopeRulesOf(schema.synchronizationRules[0]!, undefined, schema.directories);
  } catch (error) {
    if (isCanopyError(error, 'ERR_ENGINE_SCHEMA_INVALID')) throw badRequest(`The schema was not saved: ${error.message}`);
    throw error;
  }
}

/** attributeMappingFunctionSchema for every function of the language. */
export function functionSchemas(): unknown[] {
  return [...FUNCTIONS.values()].map((spec) => ({
    id: spec.name,
    parameters: spec.parameters.map((p) => ({
      allowMultipleOccurrences: p.repeating === true,
      name: p.name,
      required: p.required,
      type: p.type,
    })),
  }));
}

interface ParseExpressionBody {
  readonly expression?: unknown;
  readonly testInputObject?: { readonly properties?: readonly { readonly key?: unknown; readonly value?: unknown }[] } | null;
}

function publicError(code: string, message: string) {
  return { code, message, details: [], innerError: null, target: null };
}

/** Parses, validates and (with a test input) evaluates an expression, as Graph answers. */
export function parseExpressionResponse(body: ParseExpressionBody | undefined): unknown {
  if (typeof body?.expression !== 'string') throw badRequest('parseExpression needs "expression", a string.');
  let parsed;
  try {
    parsed = parseExpression(body.expression);
    const problem = validateExpression(parsed)[0];
    if (problem) throw problem;
  } catch (error) {
    if (!isExpressionError(error)) throw error;
    return { error: publicError(error.code, error.message), evaluationResult: null, evaluationSucceeded: false, parsedExpression: null, parsingSucceeded: false };
  }
  const parsedExpression = toGraphSource(parsed);
  if (!body.testInputObject) return { error: null, evaluationResult: null, evaluationSucceeded: false, parsedExpression, parsingSucceeded: true };
  // expressionInputObject.properties: stringKeyObjectValuePair — a value may be a string or a list.
  const values = new Map<string, readonly string[]>();
  for (const p of body.testInputObject.properties ?? []) {
    if (typeof p.key !== 'string') continue;
    const v = p.value;
    values.set(p.key.toLowerCase(), Array.isArray(v) ? v.map(String) : v === null || v === undefined ? [] : [String(v)]);
  }
  try {
    const result = evaluateSync(fromGraphSource(parsedExpression).root, { attribute: (name) => values.get(name.toLowerCase()) });
    return { error: null, evaluationResult: result.ignoreFlow ? [] : flowValues(result), evaluationSucceeded: true, parsedExpression, parsingSucceeded: true };
  } catch (error) {
    if (!isExpressionError(error)) throw error;
    return { error: publicError(error.code, error.message), evaluationResult: null, evaluationSucceeded: false, parsedExpression, parsingSucceeded: true };
  }
}
