/**
 * The incremental-read watermark: opaque to every other part (ARCHITECTURE.md), here a
 * base64url JSON document saying how it was made, so that a watermark that no longer
 * fits (another DC for uSNChanged, other scoping DNs, another mode) leads to an explicit
 * full re-read instead of a silent gap.
 */
import { CanopyError } from '../core/errors.ts';
import { normalizeDn } from './dn.ts';

export type WatermarkState =
  | {
      readonly mode: 'dirsync';
      /** The DirSync cookie (MS-ADTS 3.1.1.3.4.1.3), base64. */
      readonly cookie: string;
      readonly invocationId?: string;
      readonly scope: string;
    }
  | {
      readonly mode: 'usn';
      /** Every change with uSNChanged above this has yet to be read. */
      readonly usn: string;
      readonly invocationId?: string;
      readonly scope: string;
    };

const VERSION = 1;

/** A fingerprint of what the watermark was made for: base DN, scoping DNs and classes. */
export function scopeKey(baseDn: string, scopeDns: readonly string[], classes: readonly string[]): string {
  const scopes = scopeDns.map(normalizeDn).sort();
  return JSON.stringify([normalizeDn(baseDn), scopes, [...classes].sort()]);
}

export function encodeWatermark(state: WatermarkState): string {
  return Buffer.from(JSON.stringify({ v: VERSION, ...state }), 'utf8').toString('base64url');
}

/** Decodes a watermark; '' means none. A malformed one is ERR_AD_WATERMARK_INVALID. */
export function decodeWatermark(watermark: string | undefined): WatermarkState | undefined {
  if (watermark === undefined || watermark === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(watermark, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new CanopyError('ERR_AD_WATERMARK_INVALID', 'the watermark is not one the AD reader made', { cause });
  }
  const state = parsed as Partial<Record<string, unknown>>;
  const valid =
    typeof state === 'object' && state !== null && state.v === VERSION && typeof state.scope === 'string' &&
    ((state.mode === 'dirsync' && typeof state.cookie === 'string') || (state.mode === 'usn' && typeof state.usn === 'string' && /^\d+$/.test(state.usn))) &&
    (state.invocationId === undefined || typeof state.invocationId === 'string');
  if (!valid) throw new CanopyError('ERR_AD_WATERMARK_INVALID', 'the watermark is not one the AD reader made (wrong version or fields)');
  const { v: _v, ...rest } = state;
  return rest as WatermarkState;
}
