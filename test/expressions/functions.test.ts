import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, evaluateSync, flowValues, isExpressionError, parseExpression } from '../../src/expressions/index.ts';

const root = (text: string) => parseExpression(text).root;
const input = (attrs: Record<string, string>) => ({ attribute: (n: string) => (attrs[n] === undefined ? undefined : [attrs[n]!]) });

// The functions page's SelectUniqueValue example, checked against an injected directory.
const UPN_RULES = `SelectUniqueValue( 
        Join("@", NormalizeDiacritics(StripSpaces(Join(".",  [PreferredFirstName], [PreferredLastName]))), "contoso.com"), 
        Join("@", NormalizeDiacritics(StripSpaces(Join(".",  Mid([PreferredFirstName], 1, 1), [PreferredLastName]))), "contoso.com"),
        Join("@", NormalizeDiacritics(StripSpaces(Join(".",  Mid([PreferredFirstName], 1, 2), [PreferredLastName]))), "contoso.com")
    )`;

test('SelectUniqueValue returns the first candidate the directory does not hold (the page\'s three outputs)', async () => {
  const person = input({ PreferredFirstName: 'John', PreferredLastName: 'Smith' });
  for (const [taken, expected] of [
    [[], 'John.Smith@contoso.com'],
    [['John.Smith@contoso.com'], 'J.Smith@contoso.com'],
    [['John.Smith@contoso.com', 'J.Smith@contoso.com'], 'Jo.Smith@contoso.com'],
  ] as const) {
    const asked: string[] = [];
    const result = await evaluate(root(UPN_RULES), { ...person, isUnique: async (v) => (asked.push(v), !(taken as readonly string[]).includes(v)) });
    assert.deepEqual(flowValues(result), [expected]);
    assert.deepEqual(asked, [...taken, expected], 'asks in order and stops at the first free one');
  }
  await assert.rejects(
    evaluate(root(UPN_RULES), { ...person, isUnique: () => false }),
    (e: unknown) => isExpressionError(e, 'ERR_EXPRESSION_NOT_UNIQUE') && /"John.Smith@contoso.com", "J.Smith@contoso.com", "Jo.Smith@contoso.com"/.test((e as Error).message),
  );
  const diacritics = await evaluate(root(UPN_RULES), { ...input({ PreferredFirstName: 'Jéssica', PreferredLastName: 'Smith' }), isUnique: () => true });
  assert.deepEqual(flowValues(diacritics), ['Jessica.Smith@contoso.com']);
  assert.throws(() => evaluateSync(root(UPN_RULES), person), (e: unknown) => isExpressionError(e, 'ERR_EXPRESSION_PLACEMENT'));
});

test('Guid() is a new random GUID each time', () => {
  const a = flowValues(evaluateSync(root('Guid()'), input({})))[0]!;
  const b = flowValues(evaluateSync(root('Guid()'), input({})))[0]!;
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.notEqual(a, b);
});

test('RandomString meets its minimums, length and characters to avoid (the page\'s two examples)', () => {
  for (let i = 0; i < 50; i++) {
    const [s1] = flowValues(evaluateSync(root('RandomString(6,3,0,0,3)'), input({})));
    assert.equal(s1!.length, 6);
    assert.ok((s1!.match(/[0-9]/g) ?? []).length >= 3 && (s1!.match(/[a-z]/g) ?? []).length >= 3, s1);
    const [s2] = flowValues(evaluateSync(root('RandomString(10,2,2,2,1,"?,")'), input({})));
    assert.equal(s2!.length, 10);
    assert.ok(!/[?,]/.test(s2!), s2);
    assert.ok((s2!.match(/[0-9]/g) ?? []).length >= 2 && (s2!.match(/[A-Z]/g) ?? []).length >= 2 && (s2!.match(/[a-z]/g) ?? []).length >= 1, s2);
    assert.ok((s2!.match(/[^A-Za-z0-9]/g) ?? []).length >= 2, s2);
  }
  assert.throws(() => evaluateSync(root('RandomString(3,2,2,0,0)'), input({})), /less than the minimums' sum 4/);
  assert.throws(() => evaluateSync(root('RandomString(300,0,0,0,0)'), input({})), /more than 256/);
});

test('Redact flags the attribute for the logs; IgnoreFlowIfNullOrEmpty drops it; Now() reads the injected clock', () => {
  assert.equal(evaluateSync(root('Redact(RandomString(6,3,0,0,3))'), input({})).redacted, true);
  assert.equal(evaluateSync(root('Append([a], "x")'), input({ a: 'b' })).redacted, false);
  assert.equal(evaluateSync(root('Join(" ", IgnoreFlowIfNullOrEmpty([a]), "x")'), input({})).ignoreFlow, true);
  const now = new Date(Date.UTC(2030, 0, 2, 0, 0, 1));
  assert.deepEqual(flowValues(evaluateSync(root('DateAdd("s", 59, Now())'), { ...input({}), now: () => now })), ['1/2/2030 12:01:00 AM']);
});

test('IIF evaluates only the branch it takes (Error on the other side does not fire)', () => {
  assert.deepEqual(flowValues(evaluateSync(root('IIF(IsPresent([a]), [a], Error("no a"))'), input({ a: 'x' }))), ['x']);
  assert.deepEqual(flowValues(evaluateSync(root('Switch([k], Error("no match"), "1", "one")'), input({ k: '1' }))), ['one']);
});

test('an evaluation error names the column of the call that failed', () => {
  assert.throws(() => evaluateSync(root('Append([a], Mid([a], 0, 1))'), input({ a: 'x' })), (e: unknown) => isExpressionError(e) && e.position === 12 && /at column 13/.test((e as Error).message));
});
