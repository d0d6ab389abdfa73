/** DNs and SIDs: DNComponent and StringFromSID. */
import { ExpressionError } from '../errors.ts';

/** The RDN values of a DN from the left, unescaped (RFC 4514 §2.4: `\,`, `\"`, `\XX`). */
export function rdnValues(dn: string): string[] {
  const values: string[] = [];
  let value = '';
  let inValue = false;
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i]!;
    if (c === '\\' && i + 1 < dn.length) {
      const hex = /^[0-9A-Fa-f]{2}/.exec(dn.slice(i + 1, i + 3));
      if (hex) {
        const bytes: number[] = [];
        while (dn[i] === '\\' && /^[0-9A-Fa-f]{2}/.test(dn.slice(i + 1, i + 3))) {
          bytes.push(parseInt(dn.slice(i + 1, i + 3), 16));
          i += 3;
        }
        i--;
        if (inValue) value += Buffer.from(bytes).toString('utf8');
      } else {
        if (inValue) value += dn[i + 1];
        i++;
      }
    } else if (c === '=' && !inValue) {
      inValue = true;
    } else if (c === ',' || c === ';' || c === '+') {
      if (c !== '+') values.push(value.trim());
      value = '';
      inValue = c === '+' ? false : false;
    } else if (inValue) value += c;
  }
  if (inValue || value !== '') values.push(value.trim());
  return values;
}

/** DNComponent(dn, n): the value of the n-th RDN (1-based) from the left; beyond the DN: null. */
export function dnComponent(dn: string, n: number): string | null {
  if (n < 1) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `DNComponent: ComponentNumber ${n} is below 1 (components count from 1)`);
  return rdnValues(dn)[n - 1] ?? null;
}

/**
 * StringFromSID: the S-1-… form (MS-DTYP 2.4.2.2) of a binary SID given as base64. A SID
 * already in string form (the agent sends objectSid decoded) is returned as it is.
 */
export function stringFromSid(value: string): string {
  if (/^S-1-\d+(-\d+)*$/i.test(value)) return value.toUpperCase();
  const b = Buffer.from(value, 'base64');
  if (b.length < 8 || b.length !== 8 + 4 * b[1]!) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `StringFromSID: "${value}" is not a SID`);
  const authority = b.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < b[1]!; i++) subs.push(b.readUInt32LE(8 + 4 * i));
  return `S-${b[0]}-${authority}${subs.map((s) => `-${s}`).join('')}`;
}
