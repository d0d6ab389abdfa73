/**
 * Reading the job's cycles through the Graph API: the first cycle's end (while the progress
 * bar is drawn), then each new cycle's counts and what it changed (its provisioning logs).
 */
import type { DemoGraph, Json } from './graph.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function lastExecution(graph: DemoGraph, jobPath: string): Promise<Json | undefined> {
  const job = (await graph.get(jobPath)) as { status?: { lastExecution?: Json | null } };
  return job.status?.lastExecution ?? undefined;
}

/** Waits for the job's first execution to end, calling `tick` a few times a second meanwhile. */
export async function waitForFirstCycle(graph: DemoGraph, jobPath: string, tick: () => Promise<void>, timeoutMs?: number): Promise<Json> {
  const began = Date.now();
  for (;;) {
    const execution = await lastExecution(graph, jobPath);
    if (execution?.timeEnded) return execution;
    if (timeoutMs !== undefined && Date.now() - began > timeoutMs) throw new Error(`no cycle ended within ${timeoutMs / 1000} s`);
    await tick();
    await sleep(300);
  }
}

function describeEntry(entry: Json): string {
  const source = (entry.sourceIdentity ?? {}) as Json;
  const modified = ((entry.modifiedProperties ?? []) as Json[])
    .filter((p) => p.oldValue !== p.newValue)
    .map((p) => `${String(p.displayName)}: ${JSON.stringify(p.oldValue ?? null)} → ${JSON.stringify(p.newValue ?? null)}`);
  return `${String(entry.provisioningAction)} ${String(source.displayName ?? source.id ?? '')}${modified.length > 0 ? ` (${modified.slice(0, 4).join('; ')})` : ''}`;
}

/**
 * Prints each cycle after `first` as it ends, and what was exported since the last look, until
 * `stopped()`. What was exported is read from the job's provisioning logs, not from the newest
 * cycle alone: a change signal and the agent's DirSync poll can each wake the job, so two cycles
 * may end within one look, and the second, which exports nothing, would hide the first.
 */
export async function followCycles(graph: DemoGraph, jobPath: string, first: Json, say: (line: string) => void, stopped: () => boolean): Promise<void> {
  const jobId = jobPath.split('/').pop()!;
  let seen = String(first.activityIdentifier);
  let since = String(first.timeEnded);
  const printed = new Set<string>();
  while (!stopped()) {
    await sleep(500);
    const execution = await lastExecution(graph, jobPath).catch(() => undefined);
    if (!execution || String(execution.activityIdentifier) === seen) continue;
    seen = String(execution.activityIdentifier);
    const seconds = (Date.parse(String(execution.timeEnded)) - Date.parse(String(execution.timeBegan))) / 1000;
    say(`${new Date().toLocaleTimeString()} cycle ${String(execution.state)} in ${seconds.toFixed(2)} s: imported ${String(execution.countImported)}, ` +
      `exported ${String(execution.countExported)}, escrowed ${String(execution.countEscrowed)}`);
    const filter = encodeURIComponent(`jobId eq '${jobId}'`);
    const logs = (await graph.get(`/v1.0/auditLogs/provisioning?$top=50&$filter=${filter}`).catch(() => ({ value: [] }))) as { value: Json[] };
    const fresh = logs.value.filter((e) => String(e.activityDateTime) > since && !printed.has(String(e.id))).reverse();
    for (const entry of fresh.slice(0, 10)) say(`    ${describeEntry(entry)}`);
    if (fresh.length > 10) say(`    … and ${fresh.length - 10} more (GET /v1.0/auditLogs/provisioning)`);
    for (const entry of fresh) {
      printed.add(String(entry.id));
      if (String(entry.activityDateTime) > since) since = String(entry.activityDateTime);
    }
  }
}
