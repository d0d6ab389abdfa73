import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ber, BerReader, BerWriter } from 'ldapts';
import type { AdChange } from '../../src/core/ad-object.ts';
import { isCanopyError } from '../../src/core/errors.ts';
import { toPages } from '../../src/ad/change-pages.ts';
import { DirSyncControl, DirSyncFlags } from '../../src/ad/controls.ts';
import { dnEquals, DnScope, isDnUnder, normalizeDn } from '../../src/ad/dn.ts';
import { decodeWatermark, encodeWatermark, scopeKey } from '../../src/ad/watermark.ts';

describe('DirSync control (MS-ADTS 3.1.1.3.4.1.3)', () => {
  test('is critical and writes SEQUENCE { flags, maxBytes, cookie } with signed flags', () => {
    const cookie = Buffer.from('cookie-bytes');
    const control = new DirSyncControl({ flags: DirSyncFlags.INCREMENTAL_VALUES | DirSyncFlags.OBJECT_SECURITY, maxBytes: 1048576, cookie });
    const writer = new BerWriter();
    control.write(writer);
    const reader = new BerReader(writer.buffer);
    reader.readSequence();
    assert.equal(reader.readString(), '1.2.840.113556.1.4.841');
    assert.equal(reader.readBoolean(), true);
    const value = new BerReader(reader.readString(Ber.OctetString, true) as Buffer);
    value.readSequence();
    // 0x80000001 as a signed 32-bit INTEGER: 4 bytes, 80 00 00 01.
    assert.equal(value.peek(), Ber.Integer);
    assert.deepEqual(value.buffer.subarray(value.offset, value.offset + 6), Buffer.from([0x02, 0x04, 0x80, 0x00, 0x00, 0x01]));
    assert.equal(value.readInt(), 0x80000001 | 0);
    assert.equal(value.readInt(), 1048576);
    assert.deepEqual(value.readString(Ber.OctetString, true), cookie);
  });

  test('an empty cookie is an empty OCTET STRING', () => {
    const writer = new BerWriter();
    new DirSyncControl({ flags: DirSyncFlags.INCREMENTAL_VALUES, maxBytes: 0 }).write(writer);
    assert.ok(writer.buffer.subarray(-2).equals(Buffer.from([0x04, 0x00])));
  });

  test('parses the response value into `response`', () => {
    const value = new BerWriter();
    value.startSequence();
    value.writeInt(1);
    value.writeInt(0);
    value.writeBuffer(Buffer.from([1, 2, 3]), Ber.OctetString);
    value.endSequence();
    const control = new DirSyncControl({ flags: 0, maxBytes: 0 });
    control.parse(new BerReader(value.buffer));
    assert.deepEqual(control.response, { more: true, cookie: Buffer.from([1, 2, 3]) });
  });
});

describe('DNs and scope', () => {
  test('compare case-insensitively with any RFC 4514 escaping', () => {
    assert.ok(dnEquals('CN=Martin\\, Théo,OU=Sales,DC=x', 'cn=martin\\2c théo, ou=sales,dc=X'));
    assert.ok(dnEquals('OU=Labor M\\C3\\BCnchen,DC=x', 'OU=Labor München,DC=x'));
    assert.ok(!dnEquals('CN=a\\,b,DC=x', 'CN=a,CN=b,DC=x'));
    assert.equal(normalizeDn('OU=A , DC=X'), 'ou=a,dc=x');
  });

  test('subtree test and exclusions', () => {
    assert.ok(isDnUnder('CN=u,OU=S,DC=x', 'OU=S,DC=x'));
    assert.ok(isDnUnder('OU=S,DC=x', 'ou=s,dc=x'));
    assert.ok(!isDnUnder('CN=u,OU=SS,DC=x', 'OU=S,DC=x'));
    const scope = new DnScope(['OU=S,DC=x', 'OU=T,DC=x'], ['CN=svc,OU=S,DC=x']);
    assert.ok(scope.contains('CN=u,OU=T,DC=x'));
    assert.ok(!scope.contains('CN=u,OU=Other,DC=x'));
    assert.ok(scope.isExcluded('cn=SVC,ou=s,dc=x'));
  });
});

describe('watermarks', () => {
  const scope = scopeKey('DC=x', ['OU=B,DC=x', 'OU=A,DC=x'], ['user', 'group']);

  test('round trip and scope fingerprint independent of order and case', () => {
    const state = { mode: 'usn' as const, usn: '4021', invocationId: 'c9838976-7481-4012-81ca-4d2a44a9d49d', scope };
    assert.deepEqual(decodeWatermark(encodeWatermark(state)), state);
    assert.equal(scopeKey('dc=X', ['ou=a,dc=x', 'OU=B,DC=x'], ['group', 'user']), scope);
    assert.notEqual(scopeKey('DC=x', ['OU=A,DC=x'], ['user', 'group']), scope);
    assert.equal(decodeWatermark(''), undefined);
    assert.equal(decodeWatermark(undefined), undefined);
  });

  test('anything else is ERR_AD_WATERMARK_INVALID', () => {
    const invalid = (e: unknown) => isCanopyError(e, 'ERR_AD_WATERMARK_INVALID');
    assert.throws(() => decodeWatermark('not base64 json!'), invalid);
    assert.throws(() => decodeWatermark(Buffer.from('{"v":2}').toString('base64url')), invalid);
    assert.throws(() => decodeWatermark(Buffer.from(JSON.stringify({ v: 1, mode: 'usn', usn: '-1', scope })).toString('base64url')), invalid);
  });
});

describe('change pages', () => {
  const change = (n: number): AdChange => ({ kind: 'delete', objectGuid: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`, reason: 'deleted' });

  test('only the last page carries the new watermark', async () => {
    const pages = [];
    for await (const page of toPages([1, 2, 3, 4, 5].map(change), 2, { interim: 'old', final: 'new', moreAfter: false, reset: 'initial' })) pages.push(page);
    assert.deepEqual(pages.map((p) => [p.changes.length, p.watermark, p.more, p.reset]), [
      [2, 'old', true, 'initial'],
      [2, 'old', true, 'initial'],
      [1, 'new', false, 'initial'],
    ]);
  });

  test('an empty read still yields one page with the new watermark', async () => {
    const pages = [];
    for await (const page of toPages([], 10, { interim: 'old', final: () => 'computed', moreAfter: true })) pages.push(page);
    assert.deepEqual(pages, [{ changes: [], watermark: 'computed', more: true }]);
  });
});
