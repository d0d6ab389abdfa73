import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpressionError, parseExpression, validateExpression } from '../../src/expressions/index.ts';

function syntaxError(text: string): ExpressionError {
  try {
    parseExpression(text);
  } catch (error) {
    assert.ok(error instanceof ExpressionError);
    assert.equal(error.code, 'ERR_EXPRESSION_SYNTAX');
    return error;
  }
  assert.fail(`${text} parsed`);
}

test('the tree carries positions, empty arguments, hex, numbers, enum names and operators', () => {
  const text = 'Replace([x], , "a\\"b\\\\c", , &HF7, -10, vbTextCompare)';
  const { root } = parseExpression(text);
  assert.equal(root.kind, 'call');
  if (root.kind !== 'call') return;
  assert.deepEqual(root.args.map((a) => a.kind), ['attribute', 'empty', 'string', 'empty', 'number', 'number', 'identifier']);
  assert.deepEqual([root.start, root.end], [0, text.length]);
  assert.deepEqual(root.args[0], { kind: 'attribute', name: 'x', start: 8, end: 11 });
  assert.equal(root.args[2]!.kind === 'string' && root.args[2]!.value, 'a"b\\c');
  assert.equal(root.args[4]!.kind === 'number' && root.args[4]!.value, 247);
  assert.equal(root.args[5]!.kind === 'number' && root.args[5]!.value, -10);
  const iif = parseExpression('IIF([a] >= 1, "t-" & [b] & "x", [c])').root;
  assert.ok(iif.kind === 'call' && iif.args[0]!.kind === 'binary' && iif.args[0]!.operator === '>=');
  assert.ok(iif.kind === 'call' && iif.args[1]!.kind === 'binary' && iif.args[1]!.operator === '&');
  const guid = parseExpression('Guid()').root;
  assert.ok(guid.kind === 'call' && guid.args.length === 0);
});

test('a malformed expression fails naming the column and what was expected', () => {
  const cases: [string, number, RegExp][] = [
    ['Join(" ", [givenName]', 22, /expected "," or "\)" after a function argument but found the end of the text/],
    ['Join(" " [givenName])', 10, /expected "," or "\)" .* but found "\["/],
    ['Append([mail, "x")', 19, /expected "\]" to close the attribute name opened at column 8/],
    ['Append([mail], "x)', 19, /expected a closing quote for the string opened at column 16/],
    ['Append([], "x")', 9, /expected an attribute name between "\[" and "\]"/],
    ['[mail] [upn]', 8, /expected the end of the expression/],
    ['', 1, /expected an expression but found the end of the text/],
    ['Left(, )', undefined as unknown as number, /./],
    ['BitAnd(&HZ, 1)', 8, /expected a hex number after "&H"/],
    ['Mid([x], 1, 3))', 15, /expected the end of the expression/],
    ['@', 1, /expected an attribute \(\[name\]\), a string \("…"\), a number or a function call but found "@"/],
  ];
  for (const [text, column, message] of cases) {
    if (column === undefined) {
      assert.doesNotThrow(() => parseExpression(text), 'empty arguments parse; arity is checked by validation');
      continue;
    }
    const error = syntaxError(text);
    assert.equal(error.position! + 1, column, `${text}: column`);
    assert.match(error.message, message, text);
    assert.match(error.message, new RegExp(`at column ${column}\\)$`), text);
  }
});

test('validation names unknown functions (case-sensitive, with a hint), arity, placement and unknown attributes', () => {
  const problems = (text: string, attributes?: string[]) =>
    validateExpression(parseExpression(text), attributes ? { attributeExists: (n) => attributes.includes(n.toLowerCase()), sourceObjectName: 'user' } : {})
      .map((e) => `${e.code}: ${e.message}`);
  assert.deepEqual(problems('join(" ", [a])'), ['ERR_EXPRESSION_UNKNOWN_FUNCTION: unknown function join; function names are case-sensitive: did you mean Join? (at column 1)']);
  assert.deepEqual(problems('Concat([a], [b])'), ['ERR_EXPRESSION_UNKNOWN_FUNCTION: unknown function Concat (at column 1)']);
  assert.deepEqual(problems('Append([a], Mid([b], 1, 2, 3))'), ['ERR_EXPRESSION_ARITY: Mid takes 2 to 3 arguments (source, start, [length]); got 4 (at column 13)']);
  assert.deepEqual(problems('Left([a])'), ['ERR_EXPRESSION_ARITY: Left takes 2 arguments (string, numChars); got 1 (at column 1)']);
  assert.deepEqual(problems('Join([a])'), ['ERR_EXPRESSION_ARITY: Join takes at least 2 arguments (separator, source1, …); got 1 (at column 1)']);
  assert.deepEqual(problems('Switch([a], "d", "k")'), ['ERR_EXPRESSION_ARITY: Switch takes at least 4 arguments (source, [defaultValue], key1, …, value1, …); got 3 (at column 1)']);
  assert.deepEqual(problems('Switch([a], "d", "k", "v", "k2")'), ['ERR_EXPRESSION_ARITY: Switch takes source, defaultValue and then key/value pairs (an even number of arguments); got 5 (at column 1)']);
  assert.deepEqual(problems('Guid(1)'), ['ERR_EXPRESSION_ARITY: Guid takes 0 arguments (none); got 1 (at column 1)']);
  assert.deepEqual(problems('Left(, 2)'), ['ERR_EXPRESSION_ARITY: Left: the required argument string is empty (at column 6)']);
  assert.deepEqual(problems('ToLower(SelectUniqueValue([a], [b]))'), ['ERR_EXPRESSION_PLACEMENT: SelectUniqueValue must be the whole expression; it cannot be nested (at column 9)']);
  assert.deepEqual(problems('SelectUniqueValue([a])'), ['ERR_EXPRESSION_ARITY: SelectUniqueValue takes at least 2 arguments (uniqueValueRule1, …); got 1 (at column 1)']);
  assert.deepEqual(problems('Join(" ", [givenName], [surnam])', ['givenname', 'sn']), ['ERR_EXPRESSION_UNKNOWN_ATTRIBUTE: unknown attribute [surnam] on user (at column 24)']);
  assert.deepEqual(problems('Join(" ", [givenName], ToUpper([sn]))', ['givenname', 'sn']), []);
});
