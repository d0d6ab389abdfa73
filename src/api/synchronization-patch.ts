/**
 * The body of PATCH …/synchronization/jobs/{id}: which parts of a synchronizationJob a
 * caller may change: only `schedule.interval` (an ISO 8601 duration, at least one second).
 * `schedule.state` and `status` move only through start, pause and restart, `templateId`
 * never changes, and `schedule.expiration` is not honoured by the scheduler yet: naming any
 * of them is a 400, never a silent no-op.
 */
import { isCanopyError } from '../core/errors.ts';
import { parseIsoDuration } from '../engine/iso-duration.ts';
import type { SynchronizationSchedule } from '../directory/types.ts';
import { requestBadRequest } from './errors.ts';

const MIN_INTERVAL_MS = 1000;

type SchedulePatch = Partial<Pick<SynchronizationSchedule, 'interval'>>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseInterval(value: unknown): string {
  if (typeof value !== 'string') throw requestBadRequest('schedule.interval must be an ISO 8601 duration string such as PT2M.');
  let ms: number;
  try {
    ms = parseIsoDuration(value);
  } catch (error) {
    if (isCanopyError(error)) throw requestBadRequest(`schedule.interval: ${error.message}.`);
    throw error;
  }
  if (ms < MIN_INTERVAL_MS) throw requestBadRequest(`schedule.interval ${value} is shorter than the minimum of PT1S.`);
  return value.trim().toUpperCase();
}

export function parseSchedulePatch(body: unknown): SchedulePatch {
  if (!isObject(body)) throw requestBadRequest('The request body must be a synchronizationJob object.');
  for (const key of Object.keys(body)) {
    if (key.startsWith('@odata.')) continue;
    if (key !== 'schedule') throw requestBadRequest(`The property '${key}' of a synchronizationJob cannot be changed with PATCH; only schedule.interval can.`);
  }
  const schedule = body.schedule;
  if (!isObject(schedule)) throw requestBadRequest('PATCH of a synchronizationJob needs a schedule object.');
  const patch: { interval?: string } = {};
  for (const [key, value] of Object.entries(schedule)) {
    if (key === 'interval') patch.interval = parseInterval(value);
    else if (key === 'expiration') throw requestBadRequest('schedule.expiration cannot be set yet: the scheduler does not honour it.');
    else if (key === 'state') throw requestBadRequest('schedule.state changes through the start and pause actions, not PATCH.');
    else if (!key.startsWith('@odata.')) throw requestBadRequest(`schedule.${key} is not a property of synchronizationSchedule.`);
  }
  return patch;
}
