/** `canopy status`: the agents and their state, the jobs, the cycle running now and the last one. */
import { Command } from 'commander';
import type { AgentStatus } from '../relay/status.ts';
import { adminClient, expectStatus, type AdminOptions } from './admin-client.ts';
import { STATUS_PATH, type JobStatusView, type ServiceStatus } from './status-route.ts';

export function printAgents(agents: readonly AgentStatus[]): void {
  if (agents.length === 0) {
    process.stdout.write('no agents enrolled; create a token with `canopy token create`\n');
    return;
  }
  const rows = [['ID', 'NAME', 'STATE', 'VERSION', 'DOMAINS', 'CONNECTED SINCE', 'LAST HEARTBEAT']];
  for (const agent of agents) {
    rows.push([agent.id, agent.name, agent.state, agent.version ?? '-', agent.domains.join(','), agent.connectedSince ?? '-', agent.lastHeartbeat ?? '-']);
  }
  printTable(rows);
}

function printTable(rows: readonly string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()}\n`);
}

type Execution = { state?: string; timeBegan?: string; timeEnded?: string; countImported?: number; countExported?: number; countEscrowed?: number; error?: { message?: string } | null };

function currentCycle(job: JobStatusView): string {
  if (!job.current) return job.state === 'Active' ? 'not scheduled' : '-';
  if (job.current.running) return `running since ${job.current.startedAt}`;
  return job.current.nextRunAt ? `next at ${job.current.nextRunAt}` : 'idle';
}

function lastCycle(job: JobStatusView): string {
  const last = job.lastExecution as Execution | null;
  if (!last) return 'none yet';
  const counts = `imported ${last.countImported ?? 0}, exported ${last.countExported ?? 0}, escrowed ${last.countEscrowed ?? 0}`;
  return `${last.state} ${last.timeEnded ?? ''} (${counts})${last.error?.message ? `: ${last.error.message}` : ''}`;
}

export function printJobs(jobs: readonly JobStatusView[]): void {
  if (jobs.length === 0) {
    process.stdout.write('no synchronization jobs; create one with POST /v1.0/servicePrincipals/{id}/synchronization/jobs\n');
    return;
  }
  const rows = [['ID', 'TEMPLATE', 'DOMAIN', 'STATE', 'INTERVAL', 'CURRENT CYCLE', 'LAST CYCLE']];
  for (const job of jobs) rows.push([job.id, job.templateId, job.domain ?? '-', job.state, job.interval, currentCycle(job), lastCycle(job)]);
  printTable(rows);
}

async function status(options: AdminOptions & { json?: boolean }): Promise<void> {
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
    .action(status);
}
