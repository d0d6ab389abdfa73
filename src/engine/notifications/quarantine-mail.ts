/**
 * The email for one quarantine transition (entered or released): which job and domain, the
 * reason, the counts, and what to do next. Plain text; the subject names the job's state,
 * as Entra's notification does ("… has been quarantined").
 */
import type { QuarantineChange } from '../job-status.ts';

export interface QuarantineMailInput {
  readonly tenantId: string;
  readonly jobId: string;
  readonly domain: string | null;
  readonly change: QuarantineChange;
  /** Staged deletes waiting (TooManyDeletes). */
  readonly pendingDeletes?: number;
  readonly lastExecution?: { readonly countImported?: number; readonly countExported?: number; readonly countEscrowed?: number; readonly timeEnded?: string } | null;
}

export interface MailContent {
  readonly subject: string;
  readonly text: string;
}

const NEXT_STEPS: Record<string, string> = {
  TooManyDeletes: [
    'Nothing was deleted. Check the deletes (provisioningAction stagedDelete in GET /v1.0/auditLogs/provisioning, or `canopy status`).',
    'If they are intended: POST …/synchronization/jobs/{jobId}/restart with {"criteria":{"resetScope":"ForceDeletes"}} applies them.',
    'If they are not: fix the source (restore the objects, undo the scoping change), then restart the job without ForceDeletes; it evaluates the deletes again and keeps what came back.',
  ].join('\n'),
  default: [
    'Cycles back off while the job is quarantined; the error above says what failed.',
    'Fix the cause (the agent, its AD credentials, the objects in escrow), then wait for the next attempt or restart the job.',
  ].join('\n'),
};

export function quarantineMail(input: QuarantineMailInput): MailContent {
  const { change } = input;
  const where = `${input.jobId}${input.domain ? ` (domain ${input.domain})` : ''}`;
  const last = input.lastExecution;
  const counts = last ? `Last cycle: imported ${last.countImported ?? 0}, exported ${last.countExported ?? 0}, escrowed ${last.countEscrowed ?? 0}${last.timeEnded ? `, ended ${last.timeEnded}` : ''}.` : '';
  if (change.kind === 'released') {
    return {
      subject: `Canopy: synchronization job ${where} is out of quarantine`,
      text: [`The synchronization job ${where} of tenant ${input.tenantId} left quarantine (${change.reason}); its cycles run on schedule again.`, counts].filter(Boolean).join('\n\n'),
    };
  }
  const q = change.quarantine as { currentBegan?: string; nextAttempt?: string | null; error?: { message?: string } };
  const lines = [
    `The synchronization job ${where} of tenant ${input.tenantId} is quarantined: ${change.reason}.`,
    q.error?.message ?? '',
    input.pendingDeletes !== undefined ? `Deletes waiting: ${input.pendingDeletes}.` : '',
    `Since: ${q.currentBegan ?? ''}. Next attempt: ${q.nextAttempt ?? 'when an admin restarts the job'}.`,
    counts,
    `What to do next:\n${NEXT_STEPS[change.reason] ?? NEXT_STEPS.default}`,
  ];
  return { subject: `Canopy: synchronization job ${where} is quarantined (${change.reason})`, text: lines.filter(Boolean).join('\n\n') };
}
