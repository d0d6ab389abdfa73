/** --listen HOST:PORT, shared by `canopy serve` and `canopy agent run --scim-listen` (no heavy imports: both start fast). */
import { isIP } from 'node:net';
import { CanopyError } from '../core/errors.ts';

export function parseListen(listen: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(listen);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !match[1] || port > 65535) throw new CanopyError('ERR_CONFIG_INVALID', `--listen: expected HOST:PORT (e.g. 127.0.0.1:8443), got ${JSON.stringify(listen)}`);
  return { host: match[1], port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
