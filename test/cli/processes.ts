/** Runs `bin/canopy.mjs` as real child processes and reads their output line by line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CANOPY_BIN = fileURLToPath(new URL('../../bin/canopy.mjs', import.meta.url));

export interface CanopyProcess {
  readonly child: ChildProcess;
  readonly output: string[];
  /** A line already printed matches too, unless `fresh` (only lines printed from now on). */
  waitForLine(pattern: RegExp, timeoutMs?: number, fresh?: boolean): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export function spawnCanopy(args: string[], env: NodeJS.ProcessEnv = {}): CanopyProcess {
  const child = spawn(process.execPath, [CANOPY_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const take = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      output.push(line);
      for (const listener of listeners) listener(line);
    }
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    output,
    exited,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
    waitForLine(pattern, timeoutMs = 15_000, fresh = false) {
      for (const line of fresh ? [] : output) {
        const match = pattern.exec(line);
        if (match) return Promise.resolve(match);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${output.join('\n')}`));
        }, timeoutMs);
        const listener = (line: string): void => {
          const match = pattern.exec(line);
          if (!match) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(match);
        };
        listeners.add(listener);
      });
    },
  };
}

/** Runs a command to completion. */
export async function runCanopy(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; output: string[] }> {
  const run = spawnCanopy(args, env);
  const chunks: Buffer[] = [];
  run.child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  const { code } = await run.exited;
  return { code, stdout: Buffer.concat(chunks).toString('utf8'), output: run.output };
}
