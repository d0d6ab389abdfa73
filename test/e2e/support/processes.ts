/**
 * The real processes of an end-to-end test: `canopy serve` on a data folder, agents enrolled
 * with `canopy token create` + `canopy agent register` and run with `canopy agent run`,
 * against the Samba DC of CANOPY_TEST_AD_*.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { adEnv, type AdTestEnv } from '../../support/ad-env.ts';
import { runCanopy, spawnCanopy, type CanopyProcess } from '../../cli/processes.ts';

export { runCanopy, spawnCanopy, type CanopyProcess };

/** The agent reads the bind password from this variable (passwordEnv), never from its file. */
const PASSWORD_ENV = 'CANOPY_E2E_AD_PASSWORD';

/** Relay timings short enough for tests, long enough for a loaded 2-core machine. */
// Request lines (pino, info) would push the cycle and relay lines out of the last lines a
// failing test prints; warnings and 5xx are still logged.
const SERVE_ENV = { CANOPY_RELAY_HEARTBEAT_MS: '1000', CANOPY_RELAY_DOWN_AFTER_MS: '6000', CANOPY_LOG_LEVEL: 'warn' };

export interface ServeProcess {
  readonly process: CanopyProcess;
  readonly url: string;
  readonly dataDir: string;
}

/** A port free now, so that a restarted service comes back where its agents expect it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `store`: a postgres:// URL (--store); `env`: more variables (timings of leases and the like). */
export async function startServe(dataDir: string, options: { port?: number; tls?: { cert: string; key: string }; store?: string; env?: Record<string, string> } = {}): Promise<ServeProcess> {
  const args = ['serve', '--data', dataDir, '--listen', `127.0.0.1:${options.port ?? 0}`];
  if (options.tls) args.push('--tls-cert', options.tls.cert, '--tls-key', options.tls.key);
  // The nodes of one installation share the sync secrets key (beside their data folders).
  if (options.store) args.push('--store', options.store, '--secrets-key-file', join(dirname(dataDir), 'sync-secrets.key'));
  const process = spawnCanopy(args, { ...SERVE_ENV, ...options.env });
  const url = (await process.waitForLine(/serving (https?:\/\/\S+)/, 30_000, true))[1]!;
  return { process, url, dataDir };
}

/** SIGTERM and wait; SIGKILL if it does not stop in time. */
export async function stopProcess(run: CanopyProcess, timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (run.child.exitCode !== null || run.child.signalCode !== null) return { code: run.child.exitCode, signal: run.child.signalCode };
  run.kill('SIGTERM');
  const timer = setTimeout(() => run.kill('SIGKILL'), timeoutMs);
  const result = await run.exited;
  clearTimeout(timer);
  return result;
}

export interface AgentSetup {
  readonly config: string;
  readonly agentId: string;
  /** The sync account's password, handed to the agent in PASSWORD_ENV. */
  readonly password: string;
}

/**
 * Writes an agent configuration for the test DC's domain (the whole domain, unscoped: the
 * job's containerFilter scopes, as in cloud sync) and enrolls it with a fresh token.
 */
/**
 * `pageSize`: the agent's LDAP page size (the default 500 when absent); small pages stretch a read into many commits.
 * `env`: the domain's DC (the test DC of CANOPY_TEST_AD_* by default; another realm for multi-domain tests).
 * `account`: another sync account than the DC's, its password in a file (ad.passwordFile), with
 * the agent's credential check every `credentialCheckSeconds`.
 */
export async function enrollAgent(
  dir: string,
  serve: ServeProcess,
  name: string,
  caFile?: string,
  pageSize?: number,
  env: AdTestEnv = adEnv(),
  account?: { readonly bindDn: string; readonly passwordFile: string; readonly credentialCheckSeconds?: number },
): Promise<AgentSetup> {
  const config = join(dir, `${name}.json`);
  const bind = account
    ? { bindDn: account.bindDn, passwordFile: account.passwordFile, ...(account.credentialCheckSeconds ? { credentialCheckSeconds: account.credentialCheckSeconds } : {}) }
    : { bindDn: env.bindDn, passwordEnv: PASSWORD_ENV };
  writeFileSync(config, JSON.stringify({
    service: caFile ? { caFile } : {},
    dataDir: `./${name}-data`,
    name,
    domains: [{ name: env.domain, ad: { urls: [env.url], ...bind, caFile: env.caFile, baseDn: env.baseDn, ...(pageSize ? { pageSize } : {}) } }],
  }, null, 2));
  const adminArgs = ['--data', serve.dataDir, ...(caFile ? ['--ca-file', caFile] : [])];
  const token = await runCanopy(['token', 'create', ...adminArgs]);
  if (token.code !== 0) throw new Error(`canopy token create failed: ${token.output.join('\n')}`);
  const registered = await runCanopy(['agent', 'register', '--service', serve.url, '--token', token.stdout.trim(), '--config', config]);
  if (registered.code !== 0) throw new Error(`canopy agent register failed: ${registered.output.join('\n')}`);
  return { config, agentId: /agent (\S+) enrolled/.exec(registered.stdout)![1]!, password: env.password };
}

export async function runAgent(agent: AgentSetup): Promise<CanopyProcess> {
  const run = spawnCanopy(['agent', 'run', '--config', agent.config], { [PASSWORD_ENV]: agent.password });
  await run.waitForLine(new RegExp(`agent ${agent.agentId} connected`), 30_000, true);
  return run;
}
