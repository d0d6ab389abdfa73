/**
 * Dates for CDate, FormatDateTime, DateAdd, DateDiff, DateFromNum, NumFromDate and Now.
 * Microsoft's service runs in UTC and returns UTC (the pages: "The returned string is
 * always in UTC"), so every date here is a UTC instant; a parsed offset is applied, a
 * string without one is taken as UTC.
 *
 * .NET custom date and time format strings (learn.microsoft.com, "Custom date and time
 * format strings") are implemented for the specifiers a mapping needs: y, M, d, H, h, m,
 * s, f, F, t, z, K, quoted literals, `\` escapes, and the invariant culture's "/" and ":".
 * No npm library implements .NET's format language, hence this file.
 */
import { ExpressionError } from './errors.ts';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Token = { readonly kind: 'field'; readonly letter: string; readonly count: number } | { readonly kind: 'literal'; readonly text: string };

const FIELD_LETTERS = new Set(['y', 'M', 'd', 'H', 'h', 'm', 's', 'f', 'F', 't', 'z', 'K']);

function tokenize(format: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < format.length; ) {
    const c = format[i]!;
    if (c === "'" || c === '"') {
      const close = format.indexOf(c, i + 1);
      if (close === -1) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `date format "${format}": unclosed ${c} quote`);
      tokens.push({ kind: 'literal', text: format.slice(i + 1, close) });
      i = close + 1;
    } else if (c === '\\') {
      tokens.push({ kind: 'literal', text: format[i + 1] ?? '' });
      i += 2;
    } else if (c === '%') {
      i++;
    } else if (FIELD_LETTERS.has(c)) {
      let n = 1;
      while (format[i + n] === c) n++;
      tokens.push({ kind: 'field', letter: c, count: n });
      i += n;
    } else {
      tokens.push({ kind: 'literal', text: c });
      i++;
    }
  }
  return tokens;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Formats a UTC instant with a .NET custom format string. */
export function formatDate(date: Date, format: string): string {
  let out = '';
  for (const t of tokenize(format)) {
    if (t.kind === 'literal') {
      out += t.text;
      continue;
    }
    const n = t.count;
    switch (t.letter) {
      case 'y': {
        const y = date.getUTCFullYear();
        out += n <= 2 ? pad(y % 100, n) : pad(y, n);
        break;
      }
      case 'M': {
        const m = date.getUTCMonth();
        out += n >= 4 ? MONTHS[m]! : n === 3 ? MONTHS[m]!.slice(0, 3) : pad(m + 1, n);
        break;
      }
      case 'd': {
        out += n >= 4 ? DAYS[date.getUTCDay()]! : n === 3 ? DAYS[date.getUTCDay()]!.slice(0, 3) : pad(date.getUTCDate(), n);
        break;
      }
      case 'H':
        out += pad(date.getUTCHours(), Math.min(n, 2));
        break;
      case 'h':
        out += pad(date.getUTCHours() % 12 === 0 ? 12 : date.getUTCHours() % 12, Math.min(n, 2));
        break;
      case 'm':
        out += pad(date.getUTCMinutes(), Math.min(n, 2));
        break;
      case 's':
        out += pad(date.getUTCSeconds(), Math.min(n, 2));
        break;
      case 'f':
      case 'F': {
        const digits = pad(date.getUTCMilliseconds(), 3).padEnd(7, '0').slice(0, n);
        out += t.letter === 'F' ? digits.replace(/0+$/, '') : digits;
        break;
      }
      case 't':
        out += (date.getUTCHours() < 12 ? 'AM' : 'PM').slice(0, n === 1 ? 1 : 2);
        break;
      case 'z':
        out += n === 1 ? '+0' : n === 2 ? '+00' : '+00:00';
        break;
      case 'K':
        out += 'Z';
        break;
    }
  }
  return out;
}

interface Parts {
  year?: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
  ms?: number;
  pm?: boolean;
  offsetMinutes?: number;
}

/** Parses text with a .NET custom format (ParseExact), leading and trailing white allowed. */
export function parseDateExact(input: string, format: string): Date {
  const s = input.trim();
  const fail = (why: string): never => {
    throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `"${input}" does not match the date format "${format}": ${why}`);
  };
  const parts: Parts = {};
  let i = 0;
  const digits = (min: number, max: number, what: string): number => {
    const m = new RegExp(`^\\d{${min},${max}}`).exec(s.slice(i));
    if (!m) fail(`expected ${what} at character ${i + 1}`);
    i += m![0].length;
    return Number(m![0]);
  };
  for (const t of tokenize(format)) {
    if (t.kind === 'literal') {
      if (!s.startsWith(t.text, i)) fail(`expected "${t.text}" at character ${i + 1}`);
      i += t.text.length;
      continue;
    }
    const n = t.count;
    switch (t.letter) {
      case 'y':
        parts.year = n <= 2 ? 2000 + digits(n, 2, 'a year') : digits(Math.max(n, 4), Math.max(n, 4), 'a year');
        break;
      case 'M':
        if (n >= 3) {
          const names = MONTHS.map((m) => (n === 3 ? m.slice(0, 3) : m));
          const k = names.findIndex((m) => s.slice(i, i + m.length).toLowerCase() === m.toLowerCase());
          if (k === -1) fail(`expected a month name at character ${i + 1}`);
          parts.month = k + 1;
          i += names[k]!.length;
        } else parts.month = digits(n, 2, 'a month');
        break;
      case 'd':
        if (n >= 3) {
          const names = DAYS.map((d) => (n === 3 ? d.slice(0, 3) : d));
          const k = names.findIndex((d) => s.slice(i, i + d.length).toLowerCase() === d.toLowerCase());
          if (k === -1) fail(`expected a day name at character ${i + 1}`);
          i += names[k]!.length;
        } else parts.day = digits(n, 2, 'a day');
        break;
      case 'H':
      case 'h':
        parts.hour = digits(Math.min(n, 2), 2, 'an hour');
        break;
      case 'm':
        parts.minute = digits(Math.min(n, 2), 2, 'minutes');
        break;
      case 's':
        parts.second = digits(Math.min(n, 2), 2, 'seconds');
        break;
      case 'f':
      case 'F': {
        const start = i;
        const value = digits(t.letter === 'f' ? n : 0, n, 'a fraction of a second');
        const len = i - start;
        parts.ms = len === 0 ? 0 : Math.round((value / 10 ** len) * 1000);
        break;
      }
      case 't': {
        const m = /^(AM|PM|A|P)/i.exec(s.slice(i));
        if (!m) fail(`expected AM or PM at character ${i + 1}`);
        parts.pm = m![0].toUpperCase().startsWith('P');
        i += m![0].length;
        break;
      }
      case 'z':
      case 'K': {
        const m = /^(Z|[+-]\d{1,2}(:?\d{2})?)/.exec(s.slice(i));
        if (!m) {
          if (t.letter === 'K') break;
          fail(`expected a UTC offset at character ${i + 1}`);
        }
        parts.offsetMinutes = offsetOf(m![0]);
        i += m![0].length;
        break;
      }
    }
  }
  if (i !== s.length) fail(`unexpected "${s.slice(i)}" at character ${i + 1}`);
  return fromParts(parts, input);
}

function offsetOf(text: string): number {
  if (text === 'Z') return 0;
  const m = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(text)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

function fromParts(p: Parts, input: string): Date {
  let hour = p.hour ?? 0;
  if (p.pm !== undefined) hour = (hour % 12) + (p.pm ? 12 : 0);
  const year = p.year ?? 1;
  const month = p.month ?? 1;
  const day = p.day ?? 1;
  const local = new Date(Date.UTC(2000, 0, 1, hour, p.minute ?? 0, p.second ?? 0, p.ms ?? 0));
  local.setUTCFullYear(year, month - 1, day); // setUTCFullYear, unlike Date.UTC, keeps years below 100
  if (local.getUTCMonth() !== month - 1 || local.getUTCDate() !== day || hour > 23 || (p.minute ?? 0) > 59 || (p.second ?? 0) > 59) {
    throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `"${input}" is not a valid date`);
  }
  return new Date(local.getTime() - (p.offsetMinutes ?? 0) * 60_000);
}

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})(?:\.(\d{1,7}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * CDate: the date forms the pages use — ISO 8601 with or without time and offset
 * ("2020-03-16-07:00", "2009-06-15T01:45:30-07:00", "2021-08-24"), the US form Now() prints
 * ("8/25/2021 5:41:18 PM") and AD's generalized time ("20150123105347.1Z").
 */
export function parseDate(input: string): Date {
  const s = input.trim();
  const fraction = (f: string | undefined): number => (f ? Math.round(Number(`0.${f}`) * 1000) : 0);
  let m = ISO.exec(s) ?? COMPACT.exec(s);
  if (m) {
    return fromParts({
      year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4] ?? 0), minute: Number(m[5] ?? 0),
      second: Number(m[6] ?? 0), ms: fraction(m[7]), ...(m[8] ? { offsetMinutes: offsetOf(m[8].toUpperCase()) } : {}),
    }, input);
  }
  m = US.exec(s);
  if (m) {
    return fromParts({
      month: Number(m[1]), day: Number(m[2]), year: Number(m[3]), hour: Number(m[4] ?? 0), minute: Number(m[5] ?? 0),
      second: Number(m[6] ?? 0), ...(m[7] ? { pm: m[7].toUpperCase() === 'PM' } : {}), ...(m[8] ? { offsetMinutes: offsetOf(m[8].toUpperCase()) } : {}),
    }, input);
  }
  throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `"${input}" is not a date (ISO 8601, M/d/yyyy h:mm:ss tt or yyyyMMddHHmmss.fZ)`);
}

/** AD dates (FILETIME): 100-ns ticks since 1601-01-01 UTC (MS-DTYP 2.3.3). */
const EPOCH_DIFFERENCE_MS = 11_644_473_600_000n;

export function dateFromFileTime(ticks: bigint): Date | null {
  // 0 and 0x7FFFFFFFFFFFFFFF mean "never" in accountExpires (MS-ADA1): no date.
  if (ticks <= 0n || ticks === 0x7fffffffffffffffn) return null;
  return new Date(Number(ticks / 10_000n - EPOCH_DIFFERENCE_MS));
}

export function fileTimeFromDate(date: Date): bigint {
  return (BigInt(date.getTime()) + EPOCH_DIFFERENCE_MS) * 10_000n;
}

export type Interval = 'yyyy' | 'q' | 'm' | 'y' | 'd' | 'w' | 'ww' | 'h' | 'n' | 's';
const INTERVALS = new Set<string>(['yyyy', 'q', 'm', 'y', 'd', 'w', 'ww', 'h', 'n', 's']);

export function toInterval(text: string): Interval {
  if (!INTERVALS.has(text)) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `"${text}" is not an interval (yyyy, q, m, y, d, w, ww, h, n, s)`);
  return text as Interval;
}

function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

/** VBA DateAdd: months and years keep the day, clamped to the month's last day. */
export function dateAdd(interval: Interval, value: number, date: Date): Date {
  const n = Math.trunc(value);
  const t = date.getTime();
  switch (interval) {
    case 'yyyy':
      return addMonths(date, 12 * n);
    case 'q':
      return addMonths(date, 3 * n);
    case 'm':
      return addMonths(date, n);
    case 'y':
    case 'd':
    case 'w':
      return new Date(t + n * 86_400_000);
    case 'ww':
      return new Date(t + n * 7 * 86_400_000);
    case 'h':
      return new Date(t + n * 3_600_000);
    case 'n':
      return new Date(t + n * 60_000);
    case 's':
      return new Date(t + n * 1000);
  }
}

const dayNumber = (d: Date): number => Math.floor(d.getTime() / 86_400_000);

/**
 * VBA DateDiff (Microsoft.VisualBasic DateAndTime.DateDiff): calendar differences for
 * years, quarters and months; days between the date parts; weeks ("ww") between the
 * Sundays that start each date's week; whole hours, minutes and seconds, truncated.
 * Checked against the page's table (-3449 days, -493 weeks, -113 months, -9 years).
 */
export function dateDiff(interval: Interval, date1: Date, date2: Date): number {
  const ms = date2.getTime() - date1.getTime();
  switch (interval) {
    case 'yyyy':
      return date2.getUTCFullYear() - date1.getUTCFullYear();
    case 'q':
      return (date2.getUTCFullYear() - date1.getUTCFullYear()) * 4 + Math.floor(date2.getUTCMonth() / 3) - Math.floor(date1.getUTCMonth() / 3);
    case 'm':
      return (date2.getUTCFullYear() - date1.getUTCFullYear()) * 12 + date2.getUTCMonth() - date1.getUTCMonth();
    case 'y':
    case 'd':
      return dayNumber(date2) - dayNumber(date1);
    case 'w':
      return Math.trunc((dayNumber(date2) - dayNumber(date1)) / 7);
    case 'ww':
      return ((dayNumber(date2) - date2.getUTCDay()) - (dayNumber(date1) - date1.getUTCDay())) / 7;
    case 'h':
      return Math.trunc(ms / 3_600_000);
    case 'n':
      return Math.trunc(ms / 60_000);
    case 's':
      return Math.trunc(ms / 1000);
  }
}
