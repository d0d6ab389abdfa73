/** The tables `canopy status` and `canopy agent list` print. */
import { escapeForLog } from '../core/log-text.ts';
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

/** Cells come from agents and the directory (names, errors): escaped (core/log-text.ts). */
function printTable(unsafe: readonly string[][]): void {
  const rows = unsafe.map((row) => row.map(escapeForLog));
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()}\n`);
}

type Execution = {
  state?: string; timeBegan?: string; timeEnded?: string; countImported?: number; countExported?: number; countEscrowed?: number;
  error?: { message?: string } | null;
};
type Progress = { completedUnits?: number; totalUnits?: number; units?: string; progressObservationDateTime?: string };
type Quarantine = { reason?: string; currentBegan?: string; seriesBegan?: string; nextAttempt?: string | null; error?: { message?: string } | null };

function seconds(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function counts(e: Execution): string {
  return `imported ${e.countImported ?? 0}, exported ${e.countExported ?? 0}, escrowed ${e.countEscrowed ?? 0}`;
}

/** One line for an execution: state, when it ended, how long it took, its counts, its error. */
function execution(e: Execution | null): string {
  if (!e) return 'none yet';
  const took = e.timeBegan && e.timeEnded ? `, took ${seconds(Date.parse(e.timeEnded) - Date.parse(e.timeBegan))}` : '';
  return `${e.state} ${e.timeEnded ?? ''} (${counts(e)})${took}${e.error?.message ? `: ${e.error.message}` : ''}`;
}

function currentCycle(job: JobStatusView): string {
  if (!job.current) return job.state === 'Active' ? 'not scheduled' : '-';
  if (job.current.running) return `running since ${job.current.startedAt}`;
  return job.current.nextRunAt ? `next at ${job.current.nextRunAt}` : 'idle';
}

/** The running cycle: objects read and written, the rate, and the time left when the total is known. */
export function runningCycle(job: JobStatusView): string | undefined {
  if (!job.current?.running) return undefined;
  const progress = (Array.isArray(job.progress) ? job.progress : []) as Progress[];
  const read = progress.find((p) => p.units === 'objects read');
  const written = progress.find((p) => p.units === 'objects written');
  const started = job.current.startedAt ? Date.parse(job.current.startedAt) : NaN;
  if (!read) return `running since ${job.current.startedAt} (no page committed yet)`;
  const elapsed = Date.parse(read.progressObservationDateTime ?? '') - started;
  const rate = elapsed > 0 ? ((read.completedUnits ?? 0) * 1000) / elapsed : 0;
  const total = read.totalUnits ?? 0;
  const left = total > (read.completedUnits ?? 0) && rate > 0 ? `, about ${seconds(((total - (read.completedUnits ?? 0)) / rate) * 1000)} left` : '';
  return `running since ${job.current.startedAt}: read ${read.completedUnits ?? 0}${total ? ` of about ${total}` : ''}, written ${written?.completedUnits ?? 0}${rate ? `, ${rate.toFixed(1)} objects/s` : ''}${left}`;
}

/** The job's state as people read it: Graph's code, with the schedule when it says more. */
function stateOf(job: JobStatusView): string {
  return job.code && job.code !== job.state ? `${job.code} (schedule ${job.state})` : job.state;
}

/** The quarantine, and its error on a line of its own (indented under it). */
function quarantineLines(job: JobStatusView): string[] {
  const q = job.quarantine as Quarantine | null;
  if (!q) return [];
  const line = `QUARANTINED (${q.reason}) since ${q.seriesBegan ?? q.currentBegan}; next attempt ${q.nextAttempt ?? 'when the job is restarted'}`;
  return q.error?.message ? [line, `  ${q.error.message}`] : [line];
}

export function printJobs(jobs: readonly JobStatusView[]): void {
  if (jobs.length === 0) {
    process.stdout.write('no synchronization jobs; create one with POST /v1.0/servicePrincipals/{id}/synchronization/jobs\n');
    return;
  }
  const rows = [['ID', 'TEMPLATE', 'DOMAIN', 'STATE', 'INTERVAL', 'CURRENT CYCLE', 'LAST CYCLE']];
  for (const job of jobs) rows.push([job.id, job.templateId, job.domain ?? '-', stateOf(job), job.interval, currentCycle(job), execution(job.lastExecution as Execution | null)]);
  printTable(rows);
  for (const job of jobs) printJobDetails(job);
}

/** Below the table, per job: quarantine, the running cycle, the last cycles, staged deletes. */
function printJobDetails(job: JobStatusView): void {
  const lines = [
    ...quarantineLines(job),
    runningCycle(job),
    job.countSuccessiveCompleteFailures > 0 ? `failed ${job.countSuccessiveCompleteFailures} times in a row` : undefined,
    `last successful: ${execution(job.lastSuccessfulExecution as Execution | null)}`,
    `last with exports: ${execution(job.lastSuccessfulExecutionWithExports as Execution | null)}`,
    job.stagedDeletes > 0 ? `${job.stagedDeletes} deletes staged by the delete threshold${(job.quarantine as Quarantine | null)?.reason === 'TooManyDeletes' ? ': restart with resetScope ForceDeletes to apply them, or fix the source and restart without it' : ''}` : undefined,
  ].filter((l): l is string => l !== undefined);
  // Each line escaped on its own: a newline in an error or a name from AD stays inside its line.
  process.stdout.write(`\n${escapeForLog(`${job.id} (${job.domain ?? 'no domain'})`)}\n${lines.map((l) => `  ${escapeForLog(l)}`).join('\n')}\n`);
}
