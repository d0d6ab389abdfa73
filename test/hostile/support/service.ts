/**
 * A real `canopy serve` process on a temporary data folder, and its admin's credentials
 * (bootstrap.json) turned into an access token at its own token endpoint: the hostile
 * tests attack the service exactly as it runs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCanopy, type CanopyProcess } from '../../cli/processes.ts';

export interface HostileService {
  readonly process: CanopyProcess;
  readonly url: string;
  readonly dataDir: string;
  readonly bootstrap: { tenantId: string; clientId: string; clientSecret: string };
  token(): Promise<string>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; removes the folder unless `keepData`. Returns how it exited. */
  stop(timeoutMs?: number, options?: { keepData?: boolean }): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `dataDir`: start on an existing data folder (left in place on stop). */
export async function startHostileService(options: { args?: string[]; env?: NodeJS.ProcessEnv; dataDir?: string } = {}): Promise<HostileService> {
  const root = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'canopy-hostile-'));
  const dataDir = options.dataDir ?? join(root!, 'data');
  const process = spawnCanopy(['serve', '--data', dataDir, '--listen', '127.0.0.1:0', ...(options.args ?? [])], options.env);
  const url = (await process.waitForLine(/serving (https?:\/\/\S+)/, 30_000))[1]!;
  const bootstrap = JSON.parse(readFileSync(join(dataDir, 'bootstrap.json'), 'utf8')) as HostileService['bootstrap'];
  let cached: string | undefined;
  return {
    process,
    url,
    dataDir,
    bootstrap,
    async token() {
      if (cached) return cached;
      const response = await fetch(`${url}/${bootstrap.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default', client_id: bootstrap.clientId, client_secret: bootstrap.clientSecret }),
      });
      if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}: ${await response.text()}`);
      cached = ((await response.json()) as { access_token: string }).access_token;
      return cached;
    },
    async stop(timeoutMs = 15_000, stopOptions = {}) {
      if (process.child.exitCode === null && process.child.signalCode === null) {
        process.kill('SIGTERM');
        const timer = setTimeout(() => process.kill('SIGKILL'), timeoutMs);
        await process.exited;
        clearTimeout(timer);
      }
      if (root && !stopOptions.keepData) rmSync(root, { recursive: true, force: true });
      return process.exited;
    },
  };
}

/** Resident set size of a process, from /proc (Linux), in bytes. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
