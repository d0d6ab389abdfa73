/**
 * What each function computes, with Microsoft's semantics (functions page and cloud sync
 * reference). Arguments are evaluated lazily, so IIF's and Switch's untaken branches (an
 * Error(…) among them) never run.
 *
 * Null (an absent attribute, an empty argument) propagates through text functions: their
 * result is null, except where a page says otherwise — Left and Word give "", Join skips
 * null and empty values (its example joins ", " "" "Doe" "John" to "Doe, John"), Coalesce,
 * IsNull, IsNullOrEmpty, IsPresent, IsString, Count and Switch (a null source matches the
 * key "") look at null on purpose, and Not(null) is True ("Otherwise, returns True").
 */
import { randomUUID } from 'node:crypto';
import { ExpressionError } from '../errors.ts';
import { dateAdd, dateDiff, dateFromFileTime, fileTimeFromDate, formatDate, parseDate, parseDateExact, toInterval } from '../dates.ts';
import {
  flatten, isMulti, isNullOrEmpty, mapText, scalarText, text, toBoolean, toInteger, toNumber, toTextValues, type Scalar, type Value,
} from '../values.ts';
import { normalizeDiacritics } from './diacritics.ts';
import { dnComponent, stringFromSid } from './identity.ts';
import { randomString } from './random.ts';
import { replace } from './replace.ts';
import { instr, pcase, word } from './text.ts';

/** Lazy access to a call's arguments; `arg(i)` of an absent or empty argument is null. */
export interface Arguments {
  readonly count: number;
  arg(index: number): Value;
}

export interface FunctionContext {
  readonly now: () => Date;
  /** Set when Redact ran: the provisioning log shows "[Redact]" for this attribute. */
  redact(): void;
  /** IgnoreFlowIfNullOrEmpty: drop the attribute from this flow. */
  ignoreFlow(): never;
}

type Implementation = (a: Arguments, ctx: FunctionContext) => Value;

const str = (a: Arguments, i: number): string | null => text(a.arg(i));

function toDate(value: Value, what: string): Date | null {
  const single = isMulti(value) ? (value[0] ?? null) : value;
  if (single === null) return null;
  if (single instanceof Date) return single;
  try {
    return parseDate(scalarText(single));
  } catch (error) {
    throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `${what}: ${(error as Error).message}`);
  }
}

function int(a: Arguments, i: number, what: string): number | null {
  return toInteger(a.arg(i), what);
}

function culture(name: string | null): string | undefined {
  if (name === null || name === '') return undefined;
  try {
    return Intl.getCanonicalLocales(name)[0];
  } catch {
    throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `"${name}" is not a culture name (RFC 4646, e.g. en-US)`);
  }
}

function encodingOf(name: string | null): BufferEncoding {
  switch ((name ?? 'Unicode').toLowerCase()) {
    case 'unicode':
      return 'utf16le';
    case 'utf8':
      return 'utf8';
    case 'ascii':
      return 'ascii';
    default:
      throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `ConvertFromBase64: "${name}" is not an encoding (Unicode, ASCII, UTF8)`);
  }
}

export const IMPLEMENTATIONS: Readonly<Record<string, Implementation>> = {
  Append: (a) => {
    const suffix = str(a, 1) ?? '';
    return mapText(a.arg(0), (s) => s + suffix);
  },
  AppRoleAssignmentsComplex: (a) => a.arg(0),
  BitAnd: (a) => {
    const x = toNumber(a.arg(0), 'BitAnd value1');
    const y = toNumber(a.arg(1), 'BitAnd value2');
    if (x === null || y === null) return null;
    return Number(BigInt.asIntN(64, BigInt(Math.trunc(x)) & BigInt(Math.trunc(y))));
  },
  CBool: (a) => toBoolean(a.arg(0), 'CBool'),
  CDate: (a) => toDate(a.arg(0), 'CDate'),
  Coalesce: (a) => {
    for (let i = 0; i < a.count; i++) {
      const v = a.arg(i);
      if (v !== null && !(isMulti(v) && v.length === 0)) return v;
    }
    return null;
  },
  Contains: (a) => {
    const values = toTextValues(a.arg(0));
    const search = str(a, 1);
    if (search === null) return null;
    const textCompare = (str(a, 2) ?? '').toLowerCase() === 'vbtextcompare' || (str(a, 2) ?? '').toLowerCase() === 'ignorecase';
    const i = values.findIndex((v) => (textCompare ? v.toLowerCase().includes(search.toLowerCase()) : v.includes(search)));
    return i + 1;
  },
  ConvertFromBase64: (a) => {
    const encoding = encodingOf(str(a, 1));
    return mapText(a.arg(0), (s) => Buffer.from(s, 'base64').toString(encoding));
  },
  ConvertToBase64: (a) => mapText(a.arg(0), (s) => Buffer.from(s, 'utf16le').toString('base64')),
  ConvertToUTF8Hex: (a) => mapText(a.arg(0), (s) => Buffer.from(s, 'utf8').toString('hex').toUpperCase()),
  Count: (a) => toTextValues(a.arg(0)).length,
  CRef: (a) => a.arg(0),
  CStr: (a) => mapText(a.arg(0), (s) => s),
  DateAdd: (a) => {
    const interval = str(a, 0);
    const value = toNumber(a.arg(1), 'DateAdd value');
    const date = toDate(a.arg(2), 'DateAdd dateTime');
    if (interval === null || value === null || date === null) return null;
    return dateAdd(toInterval(interval), value, date);
  },
  DateDiff: (a) => {
    const interval = str(a, 0);
    const d1 = toDate(a.arg(1), 'DateDiff date1');
    const d2 = toDate(a.arg(2), 'DateDiff date2');
    if (interval === null || d1 === null || d2 === null) return null;
    return dateDiff(toInterval(interval), d1, d2);
  },
  DateFromNum: (a) => {
    const s = str(a, 0);
    if (s === null) return null;
    if (!/^-?\d+$/.test(s.trim())) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `DateFromNum: "${s}" is not an AD date (an integer)`);
    return dateFromFileTime(BigInt(s.trim()));
  },
  DNComponent: (a) => {
    const dn = str(a, 0);
    const n = int(a, 1, 'DNComponent ComponentNumber');
    return dn === null || n === null ? null : dnComponent(dn, n);
  },
  Error: (a) => {
    throw new ExpressionError('ERR_EXPRESSION_ERROR_FUNCTION', str(a, 0) ?? 'Error() was called');
  },
  FormatDateTime: (a) => {
    const [input, output] = a.count === 3 ? [str(a, 1), str(a, 2)] : [str(a, 2), str(a, 3)];
    if (input === null || output === null) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', 'FormatDateTime needs inputFormat and outputFormat');
    return mapText(a.arg(0), (s) => formatDate(parseDateExact(s, input), output));
  },
  Guid: () => randomUUID(),
  IgnoreFlowIfNullOrEmpty: (a, ctx) => {
    const v = a.arg(0);
    if (isNullOrEmpty(v)) ctx.ignoreFlow();
    return v;
  },
  IIF: (a) => (toBoolean(a.arg(0), 'IIF condition') ? a.arg(1) : a.arg(2)),
  InStr: (a) => {
    const s = str(a, 0);
    const find = str(a, 1);
    if (s === null || find === null) return null;
    const start = a.count > 2 ? (int(a, 2, 'InStr start') ?? 1) : 1;
    if (start < 1) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `InStr: start ${start} is below 1 (positions count from 1)`);
    return instr(s, find, start, (str(a, 3) ?? '').toLowerCase() === 'vbtextcompare');
  },
  IsNull: (a) => {
    const v = a.arg(0);
    return v === null || (isMulti(v) && v.length === 0);
  },
  IsNullOrEmpty: (a) => isNullOrEmpty(a.arg(0)),
  IsPresent: (a) => !isNullOrEmpty(a.arg(0)),
  IsString: (a) => {
    const v = a.arg(0);
    return v !== null && !isMulti(v);
  },
  Item: (a) => {
    const v = a.arg(0);
    const index = int(a, 1, 'Item index');
    if (v === null || index === null) return null;
    const values: readonly Scalar[] = isMulti(v) ? v : [v];
    if (index < 1 || index > values.length) {
      throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `Item: index ${index} is out of bounds (1 to ${values.length}; items count from 1)`);
    }
    return values[index - 1]!;
  },
  Join: (a) => {
    const separator = str(a, 0) ?? '';
    const parts: Value[] = [];
    for (let i = 1; i < a.count; i++) parts.push(a.arg(i));
    const values = flatten(parts).filter((v) => v !== '');
    return values.length === 0 ? null : values.join(separator);
  },
  Left: (a) => {
    const n = int(a, 1, 'Left NumChars');
    return mapText(a.arg(0) ?? '', (s) => (n === null ? null : n < 0 ? s : s.slice(0, n)));
  },
  Mid: (a) => {
    const start = int(a, 1, 'Mid start');
    const length = a.count > 2 ? int(a, 2, 'Mid length') : Infinity;
    if (start === null || length === null) return null;
    if (start < 1) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `Mid: start ${start} is below 1 (characters count from 1)`);
    if (length < 0) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `Mid: length ${length} is negative`);
    return mapText(a.arg(0), (s) => s.slice(start - 1, start - 1 + length));
  },
  NormalizeDiacritics: (a) => mapText(a.arg(0), normalizeDiacritics),
  Not: (a) => !toBoolean(a.arg(0), 'Not'),
  Now: (_a, ctx) => ctx.now(),
  NumFromDate: (a) => {
    const date = toDate(a.arg(0), 'NumFromDate');
    return date === null ? null : fileTimeFromDate(date).toString();
  },
  PCase: (a) => {
    const separators = a.count > 1 ? str(a, 1) : null;
    return mapText(a.arg(0), (s) => pcase(s, separators));
  },
  RandomString: (a) => {
    const n = (i: number, what: string): number => int(a, i, `RandomString ${what}`) ?? 0;
    return randomString(n(0, 'Length'), n(1, 'MinimumNumbers'), n(2, 'MinimumSpecialCharacters'), n(3, 'MinimumCapital'), n(4, 'MinimumLowerCase'), str(a, 5) ?? '');
  },
  Redact: (a, ctx) => {
    ctx.redact();
    return a.arg(0);
  },
  RemoveDuplicates: (a) => {
    const v = a.arg(0);
    return v === null ? null : [...new Set(toTextValues(v))];
  },
  Replace: (a) => {
    const args = {
      oldValue: str(a, 1), regexPattern: str(a, 2), regexGroupName: str(a, 3), replacementValue: str(a, 4),
      replacementAttributeName: str(a, 5), template: str(a, 6),
    };
    const source = a.arg(0);
    if (source === null) return replace({ ...args, source: null });
    return mapText(source, (s) => replace({ ...args, source: s }));
  },
  SelectUniqueValue: () => {
    throw new ExpressionError('ERR_EXPRESSION_PLACEMENT', 'SelectUniqueValue runs only at the top of a mapping, with the directory to check');
  },
  SingleAppRoleAssignment: (a) => {
    const v = a.arg(0);
    return isMulti(v) ? (v[0] ?? null) : v;
  },
  Split: (a) => {
    const delimiter = str(a, 1);
    const s = str(a, 0);
    if (s === null) return null;
    if (delimiter === null || delimiter === '') return [s];
    // The page's example splits "PermissionSetOne, PermissionSetTwo" at "," into
    // ["PermissionSetOne", "PermissionSetTwo"]: the parts come back trimmed.
    return s.split(delimiter).map((part) => part.trim());
  },
  StringFromSID: (a) => mapText(a.arg(0), stringFromSid),
  StripSpaces: (a) => mapText(a.arg(0), (s) => s.replaceAll(' ', '')),
  Switch: (a) => {
    const source = text(a.arg(0)) ?? '';
    for (let i = 2; i + 1 < a.count; i += 2) {
      if ((str(a, i) ?? '') === source) return a.arg(i + 1);
    }
    return a.arg(1);
  },
  ToLower: (a) => {
    const c = culture(str(a, 1));
    return mapText(a.arg(0), (s) => (c ? s.toLocaleLowerCase(c) : s.toLowerCase()));
  },
  ToUpper: (a) => {
    const c = culture(str(a, 1));
    return mapText(a.arg(0), (s) => (c ? s.toLocaleUpperCase(c) : s.toUpperCase()));
  },
  Trim: (a) => mapText(a.arg(0), (s) => s.trim()),
  Word: (a) => {
    const s = str(a, 0);
    const n = int(a, 1, 'Word WordNumber');
    if (s === null || n === null) return '';
    return word(s, n, str(a, 2) ?? '');
  },
};
