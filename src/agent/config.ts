/**
 * The agent's configuration file (JSON), validated once at start-up, then frozen. Relative
 * paths are resolved against the file's folder. CANOPY_* environment variables override
 * the service settings. Secrets are never in the file: the AD bind password comes from an
 * environment variable (`passwordEnv`) or a file (`passwordFile`), and is read on the
 * agent only; it never travels to the service.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { CanopyError } from '../core/errors.ts';
import { readSecretFile } from '../core/private-files.ts';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

const adConnection = z
  .object({
    urls: z.array(z.string().regex(/^ldaps?:\/\//i, 'must be an ldap:// or ldaps:// URL')).min(1),
    bindDn: z.string().min(1),
    passwordEnv: z.string().min(1).optional(),
    passwordFile: z.string().min(1).optional(),
    caFile: z.string().min(1).optional(),
    startTls: z.boolean().default(false),
    baseDn: z.string().min(1),
    scopeDns: z.array(z.string().min(1)).optional(),
    pageSize: z.number().int().min(1).max(5000).default(500),
    /** Watch AD's change notifications to wake a sync at once (change-signals.ts). */
    changeNotifications: z.boolean().default(true),
    /** Poll DirSync for changes this often (ms); 0 = never. Slower when a poll is expensive. */
    changePollMs: z.number().int().refine((ms) => ms === 0 || ms >= 100, 'must be 0 (off) or at least 100 ms').default(300),
    /**
     * How often the agent confirms that AD still accepts the sync account's password (a bind
     * on a short connection of its own, ad/bind-credentials.ts): a password changed in AD is
     * noticed within this time, not only when the open connection drops.
     */
    credentialCheckSeconds: z.number().int().min(1).max(86_400).default(60),
  })
  .strict()
  .refine((ad) => (ad.passwordEnv === undefined) !== (ad.passwordFile === undefined), {
    message: 'give exactly one of passwordEnv (an environment variable name) or passwordFile (a file path)',
    path: ['passwordEnv'],
  });

/**
 * Password hash sync (docs/password-hash-sync.md): read by MS-DRSR replication as the AD
 * account below, with the same password as the LDAP bind (passwordEnv / passwordFile). The
 * account needs "Replicating Directory Changes" and "… All" on the domain head.
 */
const passwordHashSync = z
  .object({
    /** The replication account's sAMAccountName (NTLM logon name). */
    user: z.string().min(1),
    /** The domain's NetBIOS name, e.g. CORP. */
    netbiosDomain: z.string().min(1),
    /** The DC to replicate from; default: the host of the first LDAP URL. */
    host: z.string().min(1).optional(),
    pageSize: z.number().int().min(1).max(5000).default(1000),
  })
  .strict();

const domain = z
  .object({
    /** The AD domain's DNS name, e.g. corp.example.com. */
    name: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'must be a DNS name such as corp.example.com'),
    ad: adConnection,
    passwordHashSync: passwordHashSync.optional(),
  })
  .strict();

const agentConfigSchema = z
  .object({
    service: z
      .object({
        /** Optional here when given on the command line (`--service`) or known from enrollment. */
        url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
        caFile: z.string().min(1).optional(),
      })
      .strict(),
    dataDir: z.string().min(1),
    name: z.string().min(1).max(200).optional(),
    domains: z.array(domain).min(1),
  })
  .strict()
  .refine((config) => config.service.url === undefined || isSafeServiceUrl(config.service.url), {
    message: 'plain http:// is allowed only for a service on loopback; use https://',
    path: ['service', 'url'],
  });

/** https anywhere; plain http only to loopback, where nothing crosses a network. */
export function isSafeServiceUrl(url: string): boolean {
  const parsed = new URL(url);
  return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && LOOPBACK.test(parsed.hostname));
}

export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type DomainConfig = AgentConfig['domains'][number];
export type AdConnectionConfig = DomainConfig['ad'];

/** Environment overrides, applied before validation. */
const ENV_OVERRIDES: readonly [string, (raw: Record<string, unknown>, value: string) => void][] = [
  ['CANOPY_SERVICE_URL', (raw, value) => (service(raw).url = value)],
  ['CANOPY_SERVICE_CA_FILE', (raw, value) => (service(raw).caFile = value)],
  ['CANOPY_DATA_DIR', (raw, value) => (raw.dataDir = value)],
  ['CANOPY_AGENT_NAME', (raw, value) => (raw.name = value)],
];

function service(raw: Record<string, unknown>): Record<string, unknown> {
  if (typeof raw.service !== 'object' || raw.service === null) raw.service = {};
  return raw.service as Record<string, unknown>;
}

export function parseAgentConfig(raw: unknown, baseDir: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const copy = typeof raw === 'object' && raw !== null ? structuredClone(raw as Record<string, unknown>) : {};
  for (const [name, apply] of ENV_OVERRIDES) {
    const value = env[name];
    if (value) apply(copy, value);
  }
  const parsed = agentConfigSchema.safeParse(copy);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new CanopyError('ERR_CONFIG_INVALID', `invalid agent configuration: ${lines.join('; ')}`);
  }
  const config = parsed.data;
  const at = (path: string): string => resolve(baseDir, path);
  return deepFreeze({
    ...config,
    dataDir: at(config.dataDir),
    service: { ...config.service, caFile: config.service.caFile && at(config.service.caFile) },
    domains: config.domains.map((entry) => ({
      ...entry,
      name: entry.name.toLowerCase(),
      ad: {
        ...entry.ad,
        caFile: entry.ad.caFile && at(entry.ad.caFile),
        passwordFile: entry.ad.passwordFile && at(entry.ad.passwordFile),
      },
    })),
  });
}

export function loadAgentConfig(file: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CanopyError('ERR_CONFIG_INVALID', `cannot read the agent configuration ${file}: ${(error as Error).message}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CanopyError('ERR_CONFIG_INVALID', `the agent configuration ${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseAgentConfig(raw, dirname(resolve(file)), env);
}

/** The AD bind password, read on the agent when it binds; never stored elsewhere nor sent. */
export function readBindPassword(ad: Pick<AdConnectionConfig, 'passwordEnv' | 'passwordFile'>, env: NodeJS.ProcessEnv = process.env): string {
  if (ad.passwordEnv !== undefined) {
    const value = env[ad.passwordEnv];
    if (value === undefined || value === '') {
      throw new CanopyError('ERR_CONFIG_INVALID', `ad.passwordEnv: the environment variable ${ad.passwordEnv} is not set`);
    }
    return value;
  }
  return readSecretFile(ad.passwordFile!, 'ad.passwordFile').toString('utf8').replace(/\r?\n$/, '');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
