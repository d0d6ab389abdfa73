/** The tables `canopy status` and `canopy agent list` print. */
import type { AgentStatus } from '../relay/status.ts';
import type { JobStatusView } from './status-view.ts';

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
