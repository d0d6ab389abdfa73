/**
 * Ranged retrieval of multi-valued attributes (MS-ADTS 3.1.1.3.1.3.3). When an attribute
 * has more values than the DC's MaxValRange (1500 on Windows), the entry carries
 * `member;range=0-1499` instead of `member`, and the rest is fetched with base searches
 * asking for `member;range=1500-*` until a range ends in `*`.
 */
import type { Client, Entry } from 'ldapts';
import { CanopyError } from '../core/errors.ts';
import { entryValues } from './entry.ts';
import { toCanopyError } from './ldap-errors.ts';

const RANGED = /^([^;]+);range=(\d+)-(\d+|\*)$/i;

/** Attributes the reader asks for in ranges of its own when maxValueRange is set. */
const FORCED_RANGE_ATTRIBUTES = new Set(['member']);

/** The request list, with `member` asked as `member;range=0-(N-1)` when forced. */
export function withForcedRanges(attributes: readonly string[], maxValueRange: number | undefined): string[] {
  if (!maxValueRange) return [...attributes];
  return attributes.map((name) => (FORCED_RANGE_ATTRIBUTES.has(name.toLowerCase()) ? `${name};range=0-${maxValueRange - 1}` : name));
}

function rangeRequest(name: string, start: number, maxValueRange: number | undefined): string {
  return `${name};range=${start}-${maxValueRange ? start + maxValueRange - 1 : '*'}`;
}

function findRanged(entry: Entry, name: string): { key: string; end: string } | undefined {
  for (const key of Object.keys(entry)) {
    const match = RANGED.exec(key);
    if (match && match[1]?.toLowerCase() === name.toLowerCase()) return { key, end: match[3] as string };
  }
  return undefined;
}

/** true when an attribute of the entry came as `attr;range=a-b` (cheap: a key scan, no regex). */
export function hasRanged(entry: Entry): boolean {
  for (const key in entry) if (key.includes(';')) return true;
  return false;
}

/**
 * Replaces each `attr;range=a-b` of the entry by `attr` holding every value, fetching the
 * remaining ranges from the DC. Values are appended in the order the DC sends them.
 * Empty ranged keys (ldapts fills requested attributes the entry lacks) are dropped.
 */
export async function completeRanges(client: Client, entry: Entry, maxValueRange?: number): Promise<Entry> {
  for (const key of Object.keys(entry)) {
    const match = RANGED.exec(key);
    if (!match) continue;
    const name = match[1] as string;
    const values = entryValues(entry[key]);
    delete entry[key];
    if (values.length === 0 && match[2] === '0') continue;
    const all: (string | Buffer)[] = [...entryValues(entry[name]), ...values];
    let end = match[3] as string;
    while (end !== '*') {
      const next = Number(end) + 1;
      const attribute = rangeRequest(name, next, maxValueRange);
      let page: Entry | undefined;
      try {
        page = (await client.search(entry.dn, { scope: 'base', filter: '(objectClass=*)', attributes: [attribute] })).searchEntries[0];
      } catch (error) {
        throw toCanopyError(error, `reading ${attribute} of ${entry.dn}`);
      }
      const found = page && findRanged(page, name);
      if (!page || !found) break; // values removed meanwhile: what was read is all there is
      const more = entryValues(page[found.key]);
      all.push(...more);
      if (found.end !== '*' && Number(found.end) < next) {
        throw new CanopyError('ERR_AD_PROTOCOL', `${entry.dn}: the DC answered ${found.key} to a request for ${attribute}`);
      }
      end = found.end;
    }
    entry[name] = all as string[];
  }
  return entry;
}
