import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, flowValues, fromGraphSource, isExpressionError, parseExpression, toGraphSource } from '../../src/expressions/index.ts';

// microsoft-graph-docs resources/synchronization-attributemappingsource.md, "Expression
// extracting first eight characters from the source attribute", as Graph prints it.
const GRAPH_MID_SAMPLE = {
  expression: 'Mid([userPrincipalName], 1, 8)',
  name: 'Mid',
  parameters: [
    { key: 'source', value: { expression: '[userPrincipalName]', name: 'userPrincipalName', parameters: [], type: 'Attribute' } },
    { key: 'start', value: { expression: '"1"', name: '1', parameters: [], type: 'Constant' } },
    { key: 'length', value: { expression: '"8"', name: '8', parameters: [], type: 'Constant' } },
  ],
  type: 'Function',
};

// entra-docs cloud-sync how-to-transformation.md: the Trim mapping users edit and PUT back.
const CLOUD_SYNC_TRIM = {
  expression: 'Trim([company])',
  name: 'Trim',
  type: 'Function',
  parameters: [{ key: 'source', value: { expression: '[company]', name: 'company', type: 'Attribute', parameters: [] } }],
};

test("Graph's own attributeMappingSource sample reads, evaluates and writes back exactly", async () => {
  const parsed = fromGraphSource(GRAPH_MID_SAMPLE);
  assert.equal(parsed.text, 'Mid([userPrincipalName], 1, 8)');
  assert.deepEqual(toGraphSource(parsed), GRAPH_MID_SAMPLE);
  assert.deepEqual(toGraphSource(parseExpression('Mid([userPrincipalName], 1, 8)')), GRAPH_MID_SAMPLE);
  const result = await evaluate(parsed.root, { attribute: () => ['adele.vance@contoso.com'] });
  assert.deepEqual(flowValues(result), ['adele.va']);
});

test("cloud sync's documented Trim mapping reads and writes back exactly (its parameter key is source)", () => {
  const parsed = fromGraphSource(CLOUD_SYNC_TRIM);
  assert.equal(parsed.text, 'Trim([company])');
  assert.deepEqual(toGraphSource(parsed), CLOUD_SYNC_TRIM);
});

test('a JSON source without expression texts is printed canonically; one with only an expression is parsed', () => {
  const structural = fromGraphSource({
    name: 'Replace', type: 'Function', parameters: [
      { key: 'source', value: { name: 'mail', type: 'Attribute' } },
      { key: 'oldValue', value: { name: '@contoso.com', type: 'Constant' } },
      { key: 'replacementValue', value: { name: '', type: 'Constant' } },
    ],
  });
  assert.equal(structural.text, 'Replace([mail], "@contoso.com", , , "")');
  const textOnly = fromGraphSource({ expression: 'Join(" ", [givenName], ToUpper([sn]))', name: 'Join', type: 'Function' });
  assert.equal(textOnly.root.kind, 'call');
  assert.equal(toGraphSource(textOnly).parameters!.length, 3);
});

test('a JSON source that contradicts itself or names what a function lacks is refused, naming it', () => {
  const refuse = (json: unknown, code: string, message: RegExp) => {
    assert.throws(() => fromGraphSource(json, 'attributeMappings[3].source'), (e: unknown) => isExpressionError(e) && e.code === code && message.test(e.message));
  };
  refuse({ ...GRAPH_MID_SAMPLE, expression: 'Mid([mail], 1, 8)' }, 'ERR_EXPRESSION_SOURCE_INVALID', /attributeMappings\[3\]\.source: its expression "Mid\(\[mail\], 1, 8\)" does not match/);
  refuse({ name: 'Mid', type: 'Function', parameters: [{ key: 'begin', value: { name: '1', type: 'Constant' } }] }, 'ERR_EXPRESSION_SOURCE_INVALID', /\(begin\): Mid has no parameter "begin" \(source, start, length\)/);
  refuse({ name: 'Midd', type: 'Function', parameters: [] }, 'ERR_EXPRESSION_UNKNOWN_FUNCTION', /unknown function Midd/);
  refuse({ name: 'x', type: 'Formula' }, 'ERR_EXPRESSION_SOURCE_INVALID', /type must be Attribute, Constant or Function/);
  refuse({ expression: 'Join(" ", [a]', name: 'Join', type: 'Function' }, 'ERR_EXPRESSION_SYNTAX', /expression "Join\(" ", \[a\]": expected "," or "\)"/);
});

test('operators of IIF conditions travel as Function sources named by the operator', () => {
  const json = toGraphSource(parseExpression('IIF([country]="USA",[country],[department])'));
  const condition = json.parameters![0]!.value;
  assert.equal(condition.name, '=');
  assert.deepEqual(condition.parameters!.map((p) => p.key), ['left', 'right']);
  assert.equal(condition.expression, '[country]="USA"');
});
