import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AndFilter, BerWriter, EqualityFilter, NotFilter, OrFilter, SubstringFilter } from 'ldapts';
import { isCanopyError } from '../../src/core/errors.ts';
import { guidToBytes } from '../../src/ad/decode.ts';
import { and, classFilter, eq, escapeFilterValue, guidsFilter, not, or, parseFilter, presence, substring } from '../../src/ad/filter.ts';

describe('escapeFilterValue (RFC 4515 section 3)', () => {
  test('escapes NUL, parentheses, asterisk and backslash as \\XX', () => {
    assert.equal(escapeFilterValue('x)(objectClass=*'), 'x\\29\\28objectClass=\\2a');
    assert.equal(escapeFilterValue('a\\b'), 'a\\5cb');
    assert.equal(escapeFilterValue('nul\0byte'), 'nul\\00byte');
    assert.equal(escapeFilterValue('*)(|(cn=*'), '\\2a\\29\\28|\\28cn=\\2a');
  });

  test('keeps non-ASCII as UTF-8 characters and other ASCII as is', () => {
    assert.equal(escapeFilterValue('Zoë Ødegård 王芳'), 'Zoë Ødegård 王芳');
    assert.equal(escapeFilterValue('a=b & c|d!~<>'), 'a=b & c|d!~<>');
  });
});

describe('filter builders', () => {
  test('escape their values and check attribute names', () => {
    assert.equal(eq('cn', 'x)(objectClass=*'), '(cn=x\\29\\28objectClass=\\2a)');
    assert.equal(presence('mail'), '(mail=*)');
    assert.equal(substring('cn', { initial: 'a*', any: ['b'], final: '(c' }), '(cn=a\\2a*b*\\28c)');
    assert.equal(substring('cn', {}), '(cn=*)');
    assert.equal(and(eq('a', '1'), eq('b', '2')), '(&(a=1)(b=2))');
    assert.equal(or(eq('a', '1')), '(a=1)');
    assert.equal(not(eq('a', '1')), '(!(a=1))');
    assert.equal(eq('cn;lang-de', 'x'), '(cn;lang-de=x)');
    assert.throws(() => eq('member;range=0-1', 'x'), TypeError);
    assert.throws(() => eq('cn)(x', 'y'), TypeError);
    assert.throws(() => and('a=1'), TypeError);
  });

  test('class filters use objectClass only (tombstones lose objectCategory)', () => {
    assert.equal(classFilter('user'), '(&(objectClass=user)(!(objectClass=computer)))');
    assert.equal(classFilter('computer'), '(objectClass=computer)');
  });
});

function berOf(filter: { write(writer: BerWriter): void }): Buffer {
  const writer = new BerWriter();
  filter.write(writer);
  return writer.buffer;
}

describe('parseFilter', () => {
  test('an injected value stays one equality assertion', () => {
    const filter = parseFilter(eq('cn', 'x)(objectClass=*'));
    assert.ok(filter instanceof EqualityFilter);
    assert.deepEqual(filter.value, Buffer.from('x)(objectClass=*', 'utf8'));
  });

  test('literal and escaped UTF-8 give the same bytes on the wire', () => {
    const literal = parseFilter('(cn=Zoë)');
    const escaped = parseFilter('(cn=Zo\\c3\\ab)');
    assert.deepEqual(berOf(literal), berOf(escaped));
    assert.ok(berOf(literal).includes(Buffer.from('Zoë', 'utf8')));
  });

  test('escaped binary GUIDs go out as their 16 bytes', () => {
    const guid = '6e2a9f0f-b2a1-d4c3-e5f6-0718293a4b5c';
    const escaped = [...guidToBytes(guid)].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
    const filter = parseFilter(`(&(objectClass=user)(objectGUID=${escaped}))`);
    assert.ok(filter instanceof AndFilter);
    const equality = filter.filters[1];
    assert.ok(equality instanceof EqualityFilter);
    assert.deepEqual(equality.value, guidToBytes(guid));
    assert.deepEqual(berOf(guidsFilter([guid])), berOf(equality));
  });

  test('substrings decode UTF-8 and refuse binary', () => {
    const filter = parseFilter('(cn=Jürg\\c3\\a9*Str*)');
    assert.ok(filter instanceof SubstringFilter);
    assert.equal(filter.initial, 'Jürgé');
    assert.deepEqual(filter.any, ['Str']);
    assert.throws(() => parseFilter('(cn=\\ff*)'), (e: unknown) => isCanopyError(e, 'ERR_AD_FILTER_INVALID'));
  });

  test('nested filters and malformed ones', () => {
    const filter = parseFilter('(|(!(cn=a))(sn=b))');
    assert.ok(filter instanceof OrFilter);
    assert.ok(filter.filters[0] instanceof NotFilter);
    assert.throws(() => parseFilter('(cn=a'), (e: unknown) => isCanopyError(e, 'ERR_AD_FILTER_INVALID'));
    assert.throws(() => parseFilter('(cn=a(b)'), (e: unknown) => isCanopyError(e, 'ERR_AD_FILTER_INVALID'));
  });

  test('guidsFilter ORs several GUIDs', () => {
    const filter = guidsFilter(['6e2a9f0f-b2a1-d4c3-e5f6-0718293a4b5c', '00000000-0000-0000-0000-000000000001']);
    assert.ok(filter instanceof OrFilter);
    assert.equal(filter.filters.length, 2);
  });
});
