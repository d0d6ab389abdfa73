/**
 * The cryptographic pieces on published vectors: RC4 (RFC 6229), single DES through
 * 3DES-EDE with one key (the FIPS 81 / "Now is the time" example), MD4 (RFC 1320), the NT
 * hash, OID and ATTID encoding (MS-DRSR 5.16.4), and NTLM sealing in both directions.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { desDecryptBlock, decryptWithRid, expandDesKey } from '../../src/drs/crypto/des.ts';
import { md4, ntHashOf } from '../../src/drs/crypto/md4.ts';
import { Rc4, rc4 } from '../../src/drs/crypto/rc4.ts';
import { PrefixTable, decodeOid, encodeOid } from '../../src/drs/drsuapi/prefix-table.ts';
import { NtlmSealing } from '../../src/drs/ntlm/ntlm-sealing.ts';
import { uuidFromBytes, uuidToBytes } from '../../src/drs/ndr/uuid.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('RC4', () => {
  test('RFC 6229 key 0x0102030405: keystream bytes 0–15', () => {
    assert.equal(rc4(hex('0102030405'), Buffer.alloc(16)).toString('hex'), 'b2396305f03dc027ccc3524a0a1118a8');
  });
  test('one handle runs on across calls, like NTLM sealing', () => {
    const handle = new Rc4(hex('0102030405'));
    const first = handle.update(Buffer.alloc(8));
    const second = handle.update(Buffer.alloc(8));
    assert.equal(Buffer.concat([first, second]).toString('hex'), 'b2396305f03dc027ccc3524a0a1118a8');
  });
});

describe('single DES', () => {
  test('decrypts the classic vector (key 133457799BBCDFF1, 0123456789ABCDEF → 85E813540F0AB405)', () => {
    assert.equal(desDecryptBlock(hex('133457799BBCDFF1'), hex('85E813540F0AB405')).toString('hex'), '0123456789abcdef');
  });
  test('expands a 56-bit key into 8 bytes with the parity bit free', () => {
    assert.equal(expandDesKey(hex('ffffffffffffff')).toString('hex'), 'fefefefefefefefe');
    assert.equal(expandDesKey(hex('00000000000000')).toString('hex'), '0000000000000000');
  });
  test('the RID layer inverts encryption under the two RID-derived keys (MS-SAMR 2.2.11.1.3)', () => {
    const rid = 0x0000044f;
    const plain = hex('00112233445566778899aabbccddeeff');
    const r = Buffer.alloc(4);
    r.writeUInt32LE(rid);
    const k1 = expandDesKey(Buffer.from([r[0]!, r[1]!, r[2]!, r[3]!, r[0]!, r[1]!, r[2]!]));
    const k2 = expandDesKey(Buffer.from([r[3]!, r[0]!, r[1]!, r[2]!, r[3]!, r[0]!, r[1]!]));
    const enc = (k: Buffer, block: Buffer) => createCipheriv('des-ede3-ecb', Buffer.concat([k, k, k]), null).setAutoPadding(false).update(block);
    const encrypted = Buffer.concat([enc(k1, plain.subarray(0, 8)), enc(k2, plain.subarray(8))]);
    assert.equal(decryptWithRid(encrypted, rid).toString('hex'), plain.toString('hex'));
    assert.notEqual(decryptWithRid(encrypted, rid + 1).toString('hex'), plain.toString('hex'));
  });
});

describe('MD4 and the NT hash', () => {
  test('RFC 1320 vectors', async () => {
    assert.equal((await md4(Buffer.from(''))).toString('hex'), '31d6cfe0d16ae931b73c59d7e0c089c0');
    assert.equal((await md4(Buffer.from('abc'))).toString('hex'), 'a448017aaf21d8525fc10ae87aa6729d');
  });
  test('NT hash of "password"', async () => {
    assert.equal((await ntHashOf('password')).toString('hex'), '8846f7eaee8fb117ad06bdd830b7586c');
  });
});

describe('OIDs, ATTIDs and UUIDs', () => {
  test('BER round trip of OIDs with multi-byte arcs', () => {
    for (const oid of ['2.5.4.0', '1.2.840.113556.1.4.90', '1.2.840.113556.1.4.2084', '2.16.840.1.101.2.2.1']) {
      assert.equal(decodeOid(encodeOid(oid)), oid);
    }
    assert.equal(encodeOid('1.2.840.113556.1.4').toString('hex'), '2a864886f7140104');
  });
  test('the well-known prefixes give the ATTIDs every DC uses', () => {
    const table = PrefixTable.initial();
    assert.equal(table.makeAttid('1.2.840.113556.1.4.90'), 0x0009005a); // unicodePwd
    assert.equal(table.makeAttid('2.5.4.0'), 0x00000000); // objectClass
    assert.equal(table.oidOf(0x0009005a), '1.2.840.113556.1.4.90');
    assert.equal(table.oidOf(table.makeAttid('1.2.840.113556.1.4.2084')), '1.2.840.113556.1.4.2084');
    assert.throws(() => table.makeAttid('1.3.6.1.4.1.7165.4.1.1'), /well-known schema prefix/);
  });
  test('UUIDs keep the mixed-endian wire form', () => {
    const id = 'e3514235-4b06-11d1-ab04-00c04fc2dcd2';
    assert.equal(uuidToBytes(id).toString('hex'), '354251e3064bd111ab0400c04fc2dcd2');
    assert.equal(uuidFromBytes(uuidToBytes(id)), id);
  });
});

describe('NTLM sealing', () => {
  const keys = () => ({
    c2s: { sign: Buffer.alloc(16, 1), seal: Buffer.alloc(16, 2) },
    s2c: { sign: Buffer.alloc(16, 3), seal: Buffer.alloc(16, 4) },
  });
  test('what one side seals the other unseals, message after message', () => {
    const k = keys();
    const client = new NtlmSealing(k.c2s, k.s2c);
    const server = new NtlmSealing(keys().s2c, keys().c2s); // the server's "out" is server-to-client
    for (const text of ['first stub', 'second stub, longer than the first']) {
      const message = Buffer.from(text);
      const signed = Buffer.concat([Buffer.from('header'), message]);
      const { sealed, signature } = server.seal(message, signed);
      assert.notEqual(sealed.toString(), text);
      const plain = client.unseal(sealed, signature, (p) => Buffer.concat([Buffer.from('header'), p]));
      assert.equal(plain.toString(), text);
    }
  });
  test('a changed byte or a replayed message fails the signature', () => {
    const client = new NtlmSealing(keys().c2s, keys().s2c);
    const server = new NtlmSealing(keys().s2c, keys().c2s);
    const { sealed, signature } = server.seal(Buffer.from('stub'), Buffer.from('stub'));
    const tampered = Buffer.from(sealed);
    tampered[0]! ^= 1;
    assert.throws(() => client.unseal(tampered, signature, (p) => p), /does not verify/);
    const fresh = new NtlmSealing(keys().c2s, keys().s2c);
    const again = server.seal(Buffer.from('next'), Buffer.from('next'));
    assert.throws(() => fresh.unseal(again.sealed, again.signature, (p) => p), /does not verify/);
  });
});
