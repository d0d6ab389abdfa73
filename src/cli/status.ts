/**
 * `canopy status`: the agents and their state; per job its state, quarantine (reason, next
 * attempt), the running cycle's progress (objects read and written, rate, time left), the last
 * cycles and the deletes the delete threshold holds. `--watch` redraws it.
 */
import { escapeForLog } from '../core/log-text.ts';
import { Command } from 'commander';
import { adminClient, expectStatus, type AdminOptions } from './admin-client.ts';
import { printAgents, printJobs } from './status-print.ts';
import { STATUS_PATH, type ServiceStatus } from './status-view.ts';

async function status(options: AdminOptions & { json?: boolean; watch?: string | boolean }): Promise<void> {
  if (options.watch !== undefined && options.watch !== false) {
    const seconds = options.watch === true ? 2 : Number(options.watch);
    if (!Number.isFinite(seconds) || seconds < 0.5) throw new TypeError(`--watch ${String(options.watch)}: seconds between refreshes, at least 0.5`);
    // Redraws until interrupted (Ctrl-C); a failed read is shown and tried again.
    const { watch: _, ...plain } = options;
    for (;;) {
      process.stdout.write(`\x1b[2J\x1b[H${new Date().toISOString()} (every ${seconds} s; Ctrl-C to stop)\n`);
      await once(plain).catch((error: unknown) => void process.stdout.write(`${escapeForLog(error instanceof Error ? error.message : String(error))}\n`));
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  }
  await once(options);
}

async function once(options: AdminOptions & { json?: boolean }): Promise<void> {
  const client = await adminClient(options);
  const status = expectStatus(await client.call('GET', STATUS_PATH), 200, 'reading the service status') as ServiceStatus;
  if (options.json) {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return;
  }
  process.stdout.write(`service ${client.apiUrl}, tenant ${status.tenantId}\n\nAgents\n`);
  printAgents(status.agents);
  process.stdout.write('\nJobs\n');
  printJobs(status.jobs);
}

export function statusCommand(): Command {
  return new Command('status')
    .description('show the agents, the synchronization jobs, the running cycle and the last one')
    .option('--data <dir>', "the service's data folder (reads DIR/bootstrap.json)")
    .option('--bootstrap <file>', 'the bootstrap.json with the admin credentials')
    .option('--ca-file <file>', "PEM of the CA that issued the service's certificate")
    .option('--json', 'print JSON')
    .option('--watch [seconds]', 'redraw every few seconds (default 2) until Ctrl-C')
    .action(status);
}
