import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIsoDuration, parseIsoDuration } from '../../src/engine/iso-duration.ts';
import { isCanopyError } from '../../src/core/errors.ts';

test('ISO 8601 durations as schedule.interval uses them', () => {
  assert.equal(parseIsoDuration('PT2M'), 120_000);
  assert.equal(parseIsoDuration('PT30S'), 30_000);
  assert.equal(parseIsoDuration('PT1H'), 3_600_000);
  assert.equal(parseIsoDuration('PT1H30M'), 5_400_000);
  assert.equal(parseIsoDuration('P1D'), 86_400_000);
  assert.equal(parseIsoDuration('P1W'), 7 * 86_400_000);
  assert.equal(parseIsoDuration('PT0.5S'), 500);
  assert.equal(parseIsoDuration('pt40m'), 2_400_000);
  assert.equal(parseIsoDuration('P1DT2H'), 26 * 3_600_000);
});

test('PT1M is a minute; P1M (a month) and malformed texts are refused with a coded error', () => {
  assert.equal(parseIsoDuration('PT1M'), 60_000);
  for (const bad of ['P1M', 'P1Y', '2M', 'PT', 'P', '', 'PT2X', 'PT-1M', '120']) {
    assert.throws(() => parseIsoDuration(bad), (e: unknown) => isCanopyError(e, 'ERR_ENGINE_DURATION_INVALID'), bad);
  }
});

test('formatting round-trips', () => {
  for (const text of ['PT2M', 'PT30S', 'PT1H', 'P1D', 'PT1H30M', 'P1DT2H']) assert.equal(formatIsoDuration(parseIsoDuration(text)), text);
  assert.equal(formatIsoDuration(0), 'PT0S');
});
