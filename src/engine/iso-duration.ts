import { CanopyError } from '../core/errors.ts';

/**
 * ISO 8601 durations as Graph's `schedule.interval` uses them (`PT2M`, `PT30S`, `PT1H`,
 * `P1D`). The `T` matters: `PT1M` is one minute, `P1M` a month. Calendar units (years,
 * months) have no fixed length, so they are refused for an interval; weeks and days are
 * taken as 7 × 24 h and 24 h, as a scheduler needs.
 */
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

export const DEFAULT_SYNC_INTERVAL = 'PT2M';

/** Milliseconds in an ISO 8601 duration; throws ERR_ENGINE_DURATION_INVALID naming the input. */
export function parseIsoDuration(text: string): number {
  const match = DURATION.exec(text.trim().toUpperCase());
  if (!match || text.trim().toUpperCase().endsWith('T') || text.trim().toUpperCase() === 'P') {
    throw new CanopyError('ERR_ENGINE_DURATION_INVALID', `"${text}" is not an ISO 8601 duration such as PT2M, PT30S or PT1H`);
  }
  const [, years, months, weeks, days, hours, minutes, seconds] = match;
  if (years || months) {
    throw new CanopyError('ERR_ENGINE_DURATION_INVALID', `"${text}" uses years or months, which have no fixed length; use days or hours`);
  }
  const n = (v: string | undefined) => (v ? Number(v.replace(',', '.')) : 0);
  const ms = ((((n(weeks) * 7 + n(days)) * 24 + n(hours)) * 60 + n(minutes)) * 60 + n(seconds)) * 1000;
  return Math.round(ms);
}

/** A duration in milliseconds as ISO 8601 (whole seconds or more), e.g. 120000 → PT2M. */
export function formatIsoDuration(ms: number): string {
  let seconds = Math.round(ms / 1000);
  const days = Math.floor(seconds / 86400);
  seconds -= days * 86400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  let out = 'P';
  if (days) out += `${days}D`;
  if (hours || minutes || seconds || !days) {
    out += 'T';
    if (hours) out += `${hours}H`;
    if (minutes) out += `${minutes}M`;
    if (seconds || (!hours && !minutes)) out += `${seconds}S`;
  }
  return out;
}
