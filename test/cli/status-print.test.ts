/**
 * Issue 12: "client bytes and control characters reach … `canopy status` unescaped". An agent
 * chooses its version string (the hello frame) and AD's error texts reach a job's quarantine:
 * printed raw, a newline forged a line and ESC sequences cleared or moved the terminal. Now
 * each cell and line is escaped (core/log-text.ts) while the layout's own newlines stay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printAgents, printJobs } from '../../src/cli/status-print.ts';
import type { AgentStatus } from '../../src/relay/status.ts';
import type { JobStatusView } from '../../src/cli/status-view.ts';

function captured(print: () => void): string {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => (chunks.push(chunk), true)) as typeof process.stdout.write;
  try {
    print();
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

const HOSTILE = 'v1\u001b[2J\nFORGED LINE\u202e';

test('canopy status: what agents and AD sent is escaped, one cell or line each', () => {
  const agent: AgentStatus = {
    id: 'a1', name: 'agent one', tenantId: 't', version: HOSTILE, domains: ['corp.example'], state: 'connected' as AgentStatus['state'],
    registeredAt: '2026-12-03T00:00:00Z', connectedSince: null, lastHeartbeat: null, revokedAt: null, requestsInFlight: 0,
  } as AgentStatus;
  const job = {
    id: 'AD2AADProvisioning.1', templateId: 'AD2AADProvisioning', domain: 'corp.example', state: 'Active', interval: 'PT2M', current: null,
    code: 'Quarantine', progress: null, lastExecution: null, lastSuccessfulExecution: null, lastSuccessfulExecutionWithExports: null,
    countSuccessiveCompleteFailures: 3, synchronizedEntryCountByType: null, stagedDeletes: 0,
    quarantine: { reason: 'EncounteredQuarantineException', currentBegan: '2026-12-03T00:00:00Z', seriesBegan: '2026-12-03T00:00:00Z', nextAttempt: null, error: { message: `AD said ${HOSTILE}` } },
  } as unknown as JobStatusView;
  const out = captured(() => { printAgents([agent]); printJobs([job]); });
  const lines = out.split('\n');
  assert.ok(!lines.some((line) => line.startsWith('FORGED')), out);
  // eslint-disable-next-line no-control-regex -- the control characters are what is looked for
  assert.ok(!/[\u001b\u202e]/.test(out), 'no raw ESC or bidi override');
  assert.equal(lines.filter((line) => line.includes('\\u001b[2J\\nFORGED LINE\\u202e')).length, 2, out);
  // The layout's own line break under the quarantine stays.
  assert.match(out, /QUARANTINED \(EncounteredQuarantineException\) since \S+; next attempt when the job is restarted\n {4}AD said v1/);
});
