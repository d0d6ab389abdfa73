/**
 * A fuzz pass over the parsers that read client input: Graph's $filter and $select, SCIM
 * filters and relay frames. Every input, however hostile, must be answered (parsed or refused
 * with the parser's own error) within a CPU budget; the budget is CPU time of this process,
 * not wall time, so a loaded machine does not make it flaky. Seeded, so a failure replays.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter as packageParse } from 'odata-filter-to-ast';
import { parseFilterStructure } from '../../src/api/odata-filter-structure.ts';
import { parseGraphFilter } from '../../src/api/odata-filter.ts';
import { GraphError } from '../../src/api/errors.ts';
import { ODATA_LIMITS } from '../../src/api/odata-limits.ts';
import { parseSelect, USER_RESOURCE, GROUP_RESOURCE } from '../../src/api/resources.ts';
import { parseFilter as parseScimFilter } from '../../src/scim/filter.ts';
import { ScimError } from '../../src/scim/scim-error.ts';
import { agentFrameSchema, parseFrame } from '../../src/relay/frames.ts';
import { RELAY_DEFAULTS } from '../../src/relay/defaults.ts';
import { isCanopyError } from '../../src/core/errors.ts';

/** CPU milliseconds one input may take. Before the bounds, one 11-level filter took 31 s. */
const BUDGET_MS = 50;

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

/** Runs `parse`; an error it is meant to throw is an answer, anything else fails the test. */
function withinBudget(label: string, input: string, parse: () => unknown, expected: (error: unknown) => boolean): number {
  const start = process.cpuUsage();
  try {
    parse();
  } catch (error) {
    assert.ok(expected(error), `${label}: unexpected ${String(error)} for ${JSON.stringify(input.slice(0, 200))}`);
  }
  const used = process.cpuUsage(start);
  const ms = (used.user + used.system) / 1000;
  assert.ok(ms < BUDGET_MS, `${label}: ${ms.toFixed(1)} ms CPU (budget ${BUDGET_MS}) for ${JSON.stringify(input.slice(0, 200))}…`);
  return ms;
}

const graphRefusal = (error: unknown) => error instanceof GraphError && error.status === 400;
const scimRefusal = (error: unknown) => error instanceof ScimError && error.status === 400;

const ODATA_PIECES = ['(', ')', ' ', ' and ', ' or ', "'", "''", 'id', 'displayName', ' eq ', ' ne ', ' in ', "'x'", ',', 'startswith(', 'endswith(', 'true', 'null', 'not ', '/', 'any(', ':', '1', '%20', '\t'];
const SCIM_PIECES = ['(', ')', '[', ']', ' ', ' and ', ' or ', 'not ', '"', '\\"', 'userName', 'emails', '.value', ' eq ', ' co ', ' pr', ' gt ', '"x"', '1', 'true', 'null', 'urn:ietf:params:scim:schemas:core:2.0:User:', '\n'];

function soup(next: () => number, pieces: readonly string[], length: number): string {
  let text = '';
  while (text.length < length) text += pick(next, pieces);
  return text;
}

/** A syntactically plausible filter: terms joined by and/or, groups up to `depth`. */
function odataFilter(next: () => number, depth: number): string {
  if (depth > 0 && next() < 0.3) return `(${next() < 0.2 ? ' ' : ''}${odataFilter(next, depth - 1)})`;
  if (depth > 0 && next() < 0.4) return `${odataFilter(next, depth - 1)}${pick(next, [' and ', ' or ', '  and  ', ' or '])}${odataFilter(next, depth - 1)}`;
  return pick(next, [
    "id eq 'a'",
    "displayName eq 'black and white'",
    "startswith(displayName,'x or y')",
    "endswith(mail,'@x')",
    "id in ('a', 'b')",
    "mail eq null",
    'accountEnabled eq true',
    "displayName eq 'it''s'",
    "id eq ('a')",
    "id eq 'a",
    'and',
    '',
  ]);
}

describe('$filter: the linear structure reader gives the package tree', () => {
  test('2,000 random filters: same tree, or both refuse', () => {
    const next = random(12);
    for (let n = 0; n < 2000; n++) {
      const text = odataFilter(next, 3);
      let expected: string;
      let actual: string;
      try {
        expected = JSON.stringify(packageParse(text));
      } catch {
        expected = 'refused';
      }
      try {
        actual = JSON.stringify(parseFilterStructure(text));
      } catch {
        actual = 'refused';
      }
      assert.equal(actual, expected, `for ${JSON.stringify(text)}`);
    }
  });
});

describe('$filter: every input answered within budget', () => {
  test('the reported attacks: 11 and 1,500 levels, 900 terms', () => {
    for (const levels of [11, 14, 1500]) {
      const text = `${'('.repeat(levels)}id eq 'a'${')'.repeat(levels)}`;
      withinBudget('nested', text, () => parseGraphFilter(USER_RESOURCE, text), graphRefusal);
      assert.throws(() => parseGraphFilter(USER_RESOURCE, text), /nested deeper than 8 levels|longer than/);
    }
    const or900 = Array.from({ length: 900 }, (_, i) => `id eq '${i}'`).join(' or ');
    withinBudget('900 or', or900, () => parseGraphFilter(USER_RESOURCE, or900), graphRefusal);
    const shortOr = Array.from({ length: 150 }, (_, i) => `id eq '${i}'`).join(' or ');
    assert.throws(() => parseGraphFilter(USER_RESOURCE, shortOr), /more than 100 terms/);
  });

  test('the largest filters the bounds let through parse', () => {
    const deepest = `${'('.repeat(ODATA_LIMITS.filterDepth)}id eq 'a'${')'.repeat(ODATA_LIMITS.filterDepth)}`;
    withinBudget('deepest', deepest, () => parseGraphFilter(USER_RESOURCE, deepest), () => false);
    // A call's comma counts as a term, so half as many calls fill the bound.
    const widest = `(${Array.from({ length: ODATA_LIMITS.filterTerms / 2 }, (_, i) => `startswith(displayName,'${i}')`).join(' or ')})`;
    withinBudget('widest', widest, () => parseGraphFilter(USER_RESOURCE, widest), () => false);
    const nestedWide = Array.from({ length: 7 }).reduce<string>((inner) => `(${inner} or displayName eq 'z')`, Array.from({ length: 30 }, (_, i) => `id eq '${i}'`).join(' or '));
    withinBudget('nested wide', nestedWide, () => parseGraphFilter(USER_RESOURCE, nestedWide), () => false);
  });

  test('3,000 random token soups up to the length bound', () => {
    const next = random(7);
    let worst = 0;
    for (let n = 0; n < 3000; n++) {
      const text = soup(next, ODATA_PIECES, Math.floor(next() * (n % 10 === 0 ? 4200 : 300)));
      worst = Math.max(worst, withinBudget('soup', text, () => parseGraphFilter(USER_RESOURCE, text), graphRefusal));
    }
    assert.ok(worst < BUDGET_MS);
  });
});

describe('$select: bounded', () => {
  test('long and wide selections are refused quickly; real ones parse', () => {
    assert.deepEqual(parseSelect(USER_RESOURCE, 'id,displayName'), ['id', 'displayName']);
    const wide = Array.from({ length: 5000 }, () => 'displayName').join(',');
    withinBudget('select', wide, () => parseSelect(USER_RESOURCE, wide), graphRefusal);
    const next = random(3);
    for (let n = 0; n < 1000; n++) {
      const text = soup(next, ['id', ',', ' ', 'displayName', 'members', '$', '*', '/', '('], Math.floor(next() * 3000));
      withinBudget('select soup', text, () => parseSelect(GROUP_RESOURCE, text), graphRefusal);
    }
  });
});

describe('SCIM filter: every input answered within budget', () => {
  test('deep nesting and long chains are refused with invalidFilter', () => {
    for (const text of [
      `${'('.repeat(5000)}userName eq "a"${')'.repeat(5000)}`,
      `${'not ('.repeat(1500)}userName eq "a"${')'.repeat(1500)}`,
      `${'emails['.repeat(1000)}value eq "a"${']'.repeat(1000)}`,
      Array.from({ length: 600 }, (_, i) => `userName eq "${i}"`).join(' or '),
      Array.from({ length: 900 }, () => 'title pr').join(' and '),
    ]) {
      withinBudget('scim attack', text, () => parseScimFilter(text), scimRefusal);
      assert.throws(() => parseScimFilter(text), (error: unknown) => scimRefusal(error) && (error as ScimError).scimType === 'invalidFilter');
    }
  });

  test('3,000 random token soups', () => {
    const next = random(11);
    for (let n = 0; n < 3000; n++) {
      const text = soup(next, SCIM_PIECES, Math.floor(next() * (n % 10 === 0 ? 10_500 : 400)));
      withinBudget('scim soup', text, () => parseScimFilter(text), scimRefusal);
    }
  });
});

describe('relay frames: every input answered within budget', () => {
  const frameRefusal = (error: unknown) => isCanopyError(error, 'ERR_RELAY_FRAME_MALFORMED');
  const parse = (text: string) => parseFrame(agentFrameSchema, Buffer.from(text), false);

  // Before hello the relay reads at most RELAY_DEFAULTS.maxHelloFrameBytes; after it, frames
  // come from an authenticated agent and are bounded by maxFrameBytes.
  const cap = RELAY_DEFAULTS.maxHelloFrameBytes;
  test('deep JSON, huge strings and random bytes are refused or parsed, never thrown raw', () => {
    for (const text of [
      '['.repeat(cap),
      `{"type":"response","id":"1","response":{"status":200,"body":${'['.repeat(cap / 2 - 50)}${']'.repeat(cap / 2 - 50)}}}`,
      `{"type":"hello","assertion":"${'a'.repeat(cap - 100)}","version":"${'v'.repeat(65)}"}`,
      '{"type":"__proto__","__proto__":{"polluted":true}}',
    ]) {
      withinBudget('frame', text, () => parse(text), frameRefusal);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const next = random(5);
    const pieces = ['{', '}', '[', ']', '"type"', ':', '"hello"', '"response"', ',', '"id"', '1', 'null', '"', '\\u0000', '\u0000'];
    for (let n = 0; n < 2000; n++) {
      const text = soup(next, pieces, Math.floor(next() * (n % 10 === 0 ? cap : 500)));
      withinBudget('frame soup', text, () => parse(text), frameRefusal);
    }
  });
});
