/**
 * The processes the demo starts: `canopy serve`, `canopy agent run` and the one-shot commands,
 * each a real child process whose output lines the demo reads (and keeps in a log file).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CANOPY_BIN = fileURLToPath(new URL('../../bin/canopy.mjs', import.meta.url));

export interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: string[];
  /** What it printed on stdout only. */
  readonly stdout: Buffer[];
  readonly exited: Promise<number | null>;
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/** Starts a command; every line it prints goes to `log` (and to `lines`). */
export function start(name: string, command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; log?: string } = {}): Running {
  const child = spawn(command, args, { cwd: REPO, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: WriteStream | undefined = options.log ? createWriteStream(options.log, { flags: 'a' }) : undefined;
  const lines: string[] = [];
  const stdout: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
  const waiters = new Set<(line: string) => void>();
  const take = (chunk: Buffer): void => {
    log?.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      lines.push(line);
      for (const waiter of waiters) waiter(line);
    }
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    log?.end();
    resolve(code);
  }));
  return {
    name,
    child,
    lines,
    stdout,
    exited,
    waitForLine(pattern, timeoutMs) {
      const seen = lines.map((line) => pattern.exec(line)).find((match) => match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name} printed no line matching ${pattern} within ${timeoutMs / 1000} s:\n${lines.slice(-20).join('\n')}`));
        }, timeoutMs);
        const waiter = (line: string): void => {
          const match = pattern.exec(line);
          if (match) {
            done();
            resolve(match);
          }
        };
        waiters.add(waiter);
        void exited.then((code) => {
          if (!waiters.has(waiter)) return;
          done();
          reject(new Error(`${name} exited (${code}) before printing ${pattern}:\n${lines.slice(-20).join('\n')}`));
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a command to its end; what it printed on stdout, or an error naming the command and its last lines. */
export async function run(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const child = start(name, command, args, { env });
  const code = await child.exited;
  if (code !== 0) throw new Error(`${name} failed (exit ${code}):\n${child.lines.slice(-20).join('\n')}`);
  return Buffer.concat(child.stdout).toString('utf8');
}

export const canopy = (name: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> => run(name, process.execPath, [CANOPY_BIN, ...args], env);
