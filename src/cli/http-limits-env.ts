/**
 * Overrides of the HTTP and admission bounds from the environment, one variable per bound:
 * CANOPY_HTTP_<NAME> for HttpLimits and CANOPY_THROTTLE_<NAME> for ThrottleLimits, the name
 * in upper snake case (CANOPY_HTTP_REQUEST_TIMEOUT_MS, CANOPY_THROTTLE_APP_CONCURRENCY).
 */
import { CanopyError } from '../core/errors.ts';
import { HTTP_DEFAULTS, THROTTLE_DEFAULTS, type HttpLimits, type ThrottleLimits } from '../api/http-limits.ts';

function fromEnv<T extends object>(defaults: T, prefix: string, env: NodeJS.ProcessEnv): Partial<T> {
  const found: Record<string, number> = {};
  for (const key of Object.keys(defaults)) {
    const name = `${prefix}${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new CanopyError('ERR_CONFIG_INVALID', `${name}: expected a positive whole number, got ${JSON.stringify(value)}`);
    found[key] = Number(value);
  }
  return found as Partial<T>;
}

export function httpLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<HttpLimits> {
  return fromEnv(HTTP_DEFAULTS, 'CANOPY_HTTP_', env);
}

export function throttleLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<ThrottleLimits> {
  return fromEnv(THROTTLE_DEFAULTS, 'CANOPY_THROTTLE_', env);
}
