import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluate, flowValues, fromGraphSource, isExpressionError, parseExpression, printNode, sameStructure, toGraphSource, validateExpression,
} from '../../src/expressions/index.ts';
import { NOW, VECTORS, type Input, type Vector } from './vectors.ts';

function attributeReader(input: Input = {}): (name: string) => readonly string[] | undefined {
  return (name) => {
    const value = input[name];
    return value === undefined ? undefined : typeof value === 'string' ? [value] : value;
  };
}

async function run(v: Vector): Promise<unknown> {
  const parsed = parseExpression(v.expression);
  assert.deepEqual(validateExpression(parsed).map((e) => e.message), [], `${v.expression} validates`);
  try {
    const result = await evaluate(parsed.root, { attribute: attributeReader(v.input), now: () => NOW });
    return result.ignoreFlow ? 'ignore' : flowValues(result);
  } catch (error) {
    if (isExpressionError(error)) return { error: error.code, message: error.message };
    throw error;
  }
}

test('every vector evaluates to its expected output (Microsoft pages\' worked examples and edge cases)', async () => {
  const pageExamples = VECTORS.filter((v) => v.page).length;
  assert.ok(pageExamples >= 90, `the pages' worked examples are all here (${pageExamples})`);
  for (const v of VECTORS) {
    const got = await run(v);
    const label = `${v.expression} with ${JSON.stringify(v.input ?? {})}`;
    if (typeof v.output === 'object' && 'error' in v.output) {
      assert.ok(got && typeof got === 'object' && 'error' in got, `${label} fails (got ${JSON.stringify(got)})`);
      const failure = got as { error: string; message: string };
      assert.equal(failure.error, v.output.error, label);
      if (v.output.message) assert.match(failure.message, v.output.message, label);
    } else {
      assert.deepEqual(got, v.output, label);
    }
  }
});

test('every function of the language has null, non-ASCII and page vectors', () => {
  const called = new Set<string>();
  for (const v of VECTORS) for (const m of v.expression.matchAll(/([A-Za-z0-9]+)\(/g)) called.add(m[1]!);
  const missing = ['Append', 'AppRoleAssignmentsComplex', 'BitAnd', 'CBool', 'CDate', 'Coalesce', 'Contains', 'ConvertFromBase64', 'ConvertToBase64',
    'ConvertToUTF8Hex', 'Count', 'CRef', 'CStr', 'DateAdd', 'DateDiff', 'DateFromNum', 'DNComponent', 'Error', 'FormatDateTime', 'IgnoreFlowIfNullOrEmpty',
    'IIF', 'InStr', 'IsNull', 'IsNullOrEmpty', 'IsPresent', 'IsString', 'Item', 'Join', 'Left', 'Mid', 'NormalizeDiacritics', 'Not', 'Now', 'NumFromDate',
    'PCase', 'Redact', 'RemoveDuplicates', 'Replace', 'SingleAppRoleAssignment', 'Split', 'StringFromSID', 'StripSpaces', 'Switch', 'ToLower', 'ToUpper',
    'Trim', 'Word'].filter((f) => !called.has(f));
  assert.deepEqual(missing, []);
});

test('round trip: expression → Graph JSON → expression is exact, and JSON → expression → JSON is exact, for every vector', () => {
  for (const v of VECTORS) {
    const parsed = parseExpression(v.expression);
    const json = JSON.parse(JSON.stringify(toGraphSource(parsed)));
    assert.equal(json.expression, v.expression);
    const back = fromGraphSource(json);
    assert.equal(back.text, v.expression, 'the text comes back exactly');
    assert.deepEqual(JSON.parse(JSON.stringify(toGraphSource(back))), json, `JSON round trip of ${v.expression}`);
    // Without the expression texts, the structure alone still gives the same meaning.
    const stripped = JSON.parse(JSON.stringify(json, (key, value) => (key === 'expression' ? undefined : value)));
    assert.ok(sameStructure(fromGraphSource(stripped).root, parsed.root), `structure alone of ${v.expression}`);
    // The canonical printing parses back to the same tree.
    assert.ok(sameStructure(parseExpression(printNode(parsed.root)).root, parsed.root), `canonical print of ${v.expression}`);
  }
});
