/**
 * Opening a bound LDAP connection to one of several DCs: each URL in order, LDAPS or
 * StartTLS verified against the configured CA, a simple bind (RFC 4513 section 5.1.3).
 * ldapts never chases referrals, which is what AD sync needs (a referral from Samba
 * points at the DNS name of the domain, off this machine).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client } from 'ldapts';
import { CanopyError } from '../core/errors.ts';
import { classifyConnectFailure, type ConnectFailureKind, describeError } from './ldap-errors.ts';
import { DEFAULTS, type AdConnectionOptions } from './options.ts';

export interface AdConnection {
  readonly client: Client;
  readonly url: string;
}

export interface Target {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
}

export function parseTarget(url: string, options: AdConnectionOptions): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CanopyError('ERR_CONFIG_INVALID', `urls: ${JSON.stringify(url)} is not a URL`);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme !== 'ldap' && scheme !== 'ldaps') {
    throw new CanopyError('ERR_CONFIG_INVALID', `urls: ${url} must be ldaps:// or ldap://`);
  }
  const secure = scheme === 'ldaps';
  if (!secure && !options.startTls && !options.allowPlainLdap) {
    throw new CanopyError('ERR_CONFIG_INVALID', `urls: ${url} is plain LDAP; set startTls, use ldaps://, or set allowPlainLdap to send the password unencrypted`);
  }
  const port = parsed.port ? Number(parsed.port) : secure ? 636 : 389;
  return { url, host: parsed.hostname.replace(/^\[|\]$/g, ''), port, secure };
}

export function tlsOptions(options: AdConnectionOptions, host: string): ConnectionOptions {
  const tls: ConnectionOptions = { minVersion: 'TLSv1.2', host };
  // SNI must be a host name (RFC 6066 section 3); the IP SAN is still checked.
  if (isIP(host) === 0) tls.servername = host;
  if (options.caFile) {
    try {
      tls.ca = readFileSync(options.caFile);
    } catch (cause) {
      throw new CanopyError('ERR_CONFIG_INVALID', `caFile: cannot read ${options.caFile}`, { cause });
    }
  }
  return tls;
}

async function openOne(target: Target, options: AdConnectionOptions): Promise<Client> {
  const tls = target.secure || options.startTls ? tlsOptions(options, target.host) : undefined;
  const client = new Client({
    url: target.url,
    connectTimeout: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    timeout: options.timeoutMs ?? DEFAULTS.timeoutMs,
    tlsOptions: target.secure ? tls : undefined,
    // A dropped connection is replaced by a fresh one from connect(), never silently
    // re-opened unauthenticated, so ldapts's autoRebind is not used.
  });
  try {
    if (!target.secure && options.startTls) await client.startTLS({ ...tls });
    await client.bind(options.bindDn, options.password);
    return client;
  } catch (error) {
    await client.unbind().catch(() => undefined);
    throw error;
  }
}

const KIND_TEXT: Record<ConnectFailureKind, string> = {
  credentials: 'invalid credentials',
  'tls-untrusted': 'certificate not issued by a trusted CA',
  tls: 'TLS failure',
  timeout: 'timed out',
  unreachable: 'unreachable',
  protocol: 'LDAP error',
};

/**
 * Opens `open(target, options)` on the first DC of `options.urls` that answers. A wrong password
 * stops at once (every DC of a domain would refuse it, and retrying locks accounts out);
 * any other failure moves on to the next URL. When none answers, the error names every
 * URL tried and why it failed, coded by the most telling cause: an untrusted
 * certificate, another TLS failure, then unreachable. The password is read here
 * (options.readPassword), so each connection presents the password as it is now.
 */
export async function firstReachable<T>(options: AdConnectionOptions, open: (target: Target, options: AdConnectionOptions) => Promise<T>): Promise<{ value: T; url: string }> {
  if (options.urls.length === 0) throw new CanopyError('ERR_CONFIG_INVALID', 'urls: at least one DC URL is needed');
  if (!options.bindDn) throw new CanopyError('ERR_CONFIG_INVALID', 'bindDn: the sync account DN is needed');
  // An empty password makes a simple bind anonymous (RFC 4513 section 5.1.2), which
  // "succeeds" and then reads nothing.
  const password = options.readPassword ? options.readPassword() : options.password;
  if (!password) throw new CanopyError('ERR_CONFIG_INVALID', 'password: an empty password would bind anonymously');
  if (password !== options.password) options = { ...options, password };
  const targets = options.urls.map((url) => parseTarget(url, options));
  const failures: { url: string; kind: ConnectFailureKind; error: unknown }[] = [];
  for (const target of targets) {
    try {
      return { value: await open(target, options), url: target.url };
    } catch (error) {
      const kind = classifyConnectFailure(error);
      if (kind === 'credentials') {
        throw new CanopyError('ERR_AD_INVALID_CREDENTIALS', `${target.url} refused the password of ${options.bindDn} (invalid credentials)`, { cause: error });
      }
      failures.push({ url: target.url, kind, error });
    }
  }
  const detail = failures.map((f) => `${f.url}: ${KIND_TEXT[f.kind]} (${describeError(f.error)})`).join('; ');
  const cause = failures.at(-1)?.error;
  if (failures.some((f) => f.kind === 'tls-untrusted')) {
    const ca = options.caFile ? `the CA in ${options.caFile}` : 'the system CAs';
    throw new CanopyError('ERR_AD_TLS_UNTRUSTED', `no DC presented a certificate issued by ${ca}: ${detail}`, { cause });
  }
  if (failures.some((f) => f.kind === 'tls')) {
    throw new CanopyError('ERR_AD_TLS', `no DC could be reached over TLS: ${detail}`, { cause });
  }
  throw new CanopyError('ERR_AD_UNREACHABLE', `no DC could be reached: ${detail}`, { cause });
}

/** Connects and binds an ldapts Client to the first DC that answers (see firstReachable). */
export async function connect(options: AdConnectionOptions): Promise<AdConnection> {
  const { value: client, url } = await firstReachable(options, openOne);
  return { client, url };
}
