/**
 * The delete threshold (Entra: "accidental deletes prevention"), as a job's
 * SyncNotificationSettings secret configures it:
 *
 *   {"Enabled":true,"Recipients":"a@b","DeleteThresholdEnabled":true,"DeleteThresholdValue":500,
 *    "DeleteThresholdPercentage":25,"DeleteSettleSeconds":5}
 *
 * DeleteThresholdEnabled and DeleteThresholdValue are Entra's (defaults true and 500; as in
 * Entra a value of 500 lets at most 499 deletes through at once). DeleteThresholdPercentage
 * and DeleteSettleSeconds are Canopy's: a share of the job's synced objects (catches a
 * renamed scoping OU in a directory smaller than the count), and how long a cycle waits for
 * more deletes before it counts them (engine/staged-deletes.ts says why).
 */
import { CanopyError } from '../core/errors.ts';
import type { KeyValue, NameValue } from '../directory/types.ts';

export interface DeleteThreshold {
  /** Deletes at or above this many at once are held (Entra DeleteThresholdValue). */
  readonly count: number;
  /** Deletes at or above this share (in %) of the job's synced objects are held; null: off. */
  readonly percentage: number | null;
  /** A cycle that staged deletes waits this long and reads again before it counts them. */
  readonly settleMs: number;
}

/** Entra's default DeleteThresholdValue; the job setting QuarantineTooManyDeletesThreshold shows it. */
export const DEFAULT_DELETE_THRESHOLD_COUNT = 500;
/** Canopy's default DeleteThresholdPercentage. */
export const DEFAULT_DELETE_THRESHOLD_PERCENTAGE = 25;
/**
 * The percentage applies from this many deletes on: deleting 3 of a test OU's 8 users is
 * not a mass delete, a renamed OU of 40 users out of 100 is.
 */
export const PERCENTAGE_FLOOR = 10;
/** Canopy's default DeleteSettleSeconds: longer than the pauses of a bulk delete tool. */
export const DEFAULT_DELETE_SETTLE_SECONDS = 5;

export const DEFAULT_DELETE_THRESHOLD: DeleteThreshold = Object.freeze({
  count: DEFAULT_DELETE_THRESHOLD_COUNT,
  percentage: DEFAULT_DELETE_THRESHOLD_PERCENTAGE,
  settleMs: DEFAULT_DELETE_SETTLE_SECONDS * 1000,
});

/** The SyncNotificationSettings secret as stored (checked when it was PUT). */
export interface SyncNotificationSettings {
  readonly Enabled?: boolean;
  readonly Recipients?: string;
  readonly DeleteThresholdEnabled?: boolean;
  readonly DeleteThresholdValue?: number;
  readonly DeleteThresholdPercentage?: number;
  readonly DeleteSettleSeconds?: number;
  /** Canopy's: failed cycles in a row before quarantine (quarantine.ts, default 3). */
  readonly QuarantineAfterFailures?: number;
}

export function notificationSettingsOf(secrets: readonly KeyValue[]): SyncNotificationSettings {
  const secret = secrets.find((s) => s.key === 'SyncNotificationSettings');
  if (!secret) return {};
  try {
    const parsed = JSON.parse(secret.value) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as SyncNotificationSettings) : {};
  } catch {
    return {};
  }
}

/** Entra writes booleans and numbers in this secret both as JSON values and as strings. */
const bool = (value: unknown): boolean | undefined => (value === true || value === 'true' || value === 'True' ? true : value === false || value === 'false' || value === 'False' ? false : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : undefined);

/**
 * Checks the threshold keys of a SyncNotificationSettings value; the API refuses a bad one
 * with a message naming the key (nothing stored).
 */
export function checkNotificationSettings(settings: Record<string, unknown>): void {
  const fail = (key: string, expected: string) => {
    throw new CanopyError('ERR_CONFIG_INVALID', `SyncNotificationSettings.${key} must be ${expected} (got ${JSON.stringify(settings[key])})`);
  };
  for (const key of ['Enabled', 'DeleteThresholdEnabled']) if (key in settings && bool(settings[key]) === undefined) fail(key, 'true or false');
  const count = num(settings.DeleteThresholdValue);
  if ('DeleteThresholdValue' in settings && !(Number.isInteger(count) && count! >= 1)) fail('DeleteThresholdValue', 'a whole number of at least 1');
  const percentage = num(settings.DeleteThresholdPercentage);
  if ('DeleteThresholdPercentage' in settings && !(percentage !== undefined && percentage >= 0 && percentage <= 100)) fail('DeleteThresholdPercentage', 'a number from 0 (off) to 100');
  const settle = num(settings.DeleteSettleSeconds);
  if ('DeleteSettleSeconds' in settings && !(settle !== undefined && settle >= 0 && settle <= 600)) fail('DeleteSettleSeconds', 'a number of seconds from 0 to 600');
  const after = num(settings.QuarantineAfterFailures);
  if ('QuarantineAfterFailures' in settings && !(Number.isInteger(after) && after! >= 1)) fail('QuarantineAfterFailures', 'a whole number of at least 1');
  if ('Recipients' in settings && typeof settings.Recipients !== 'string') fail('Recipients', 'a string of addresses separated by ; or ,');
}

/**
 * The threshold of a job: its SyncNotificationSettings secret, else its
 * QuarantineTooManyDeletesThreshold setting, else the defaults; undefined when disabled.
 */
export function deleteThresholdOf(settings: SyncNotificationSettings, jobSettings: readonly NameValue[] = []): DeleteThreshold | undefined {
  if (bool(settings.DeleteThresholdEnabled) === false) return undefined;
  const fromJob = num(jobSettings.find((s) => s.name === 'QuarantineTooManyDeletesThreshold')?.value);
  const count = num(settings.DeleteThresholdValue) ?? fromJob ?? DEFAULT_DELETE_THRESHOLD_COUNT;
  const percentage = num(settings.DeleteThresholdPercentage) ?? DEFAULT_DELETE_THRESHOLD_PERCENTAGE;
  const settle = num(settings.DeleteSettleSeconds) ?? DEFAULT_DELETE_SETTLE_SECONDS;
  return {
    count: Number.isInteger(count) && count >= 1 ? count : DEFAULT_DELETE_THRESHOLD_COUNT,
    percentage: percentage > 0 && percentage <= 100 ? percentage : null,
    settleMs: Math.max(0, Math.min(600, settle)) * 1000,
  };
}

/** Why `pending` deletes are too many for a job of `synced` objects, or undefined. */
export function exceeds(threshold: DeleteThreshold, pending: number, synced: number): string | undefined {
  if (pending >= threshold.count) return `${pending} deletes reach the delete threshold of ${threshold.count}`;
  if (threshold.percentage !== null && pending >= PERCENTAGE_FLOOR && synced > 0 && pending * 100 >= threshold.percentage * synced) {
    return `${pending} deletes are ${Math.round((pending * 1000) / synced) / 10}% of the job's ${synced} synced objects, at or above the delete threshold of ${threshold.percentage}%`;
  }
  return undefined;
}
