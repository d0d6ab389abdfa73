/**
 * One provisioning log entry per object a cycle processes, in Graph's
 * provisioningObjectSummary shape (resources/provisioningobjectsummary): the steps it went
 * through (import, scoping, matching, processing, referenceResolution, export), what
 * changed, and on failure an errorInformation a reader can act on.
 */
import { randomUUID } from 'node:crypto';
import type { JsonValue, ProvisioningObjectSummary } from '../directory/types.ts';

type Summary = ProvisioningObjectSummary;
type Step = Summary['provisioningSteps'][number];
type Action = Summary['provisioningAction'];
type Status = Step['status'];

export interface LogContext {
  readonly tenantId: string;
  readonly jobId: string;
  readonly cycleId: string;
  readonly now: () => Date;
}

export interface ErrorInformation {
  readonly errorCode: string;
  readonly reason: string;
  readonly additionalDetails?: string;
  readonly errorCategory: 'NonServiceFailure' | 'Failure' | 'Retryable';
  readonly recommendedAction: string;
}

/** What a log shows for a redacted value (the functions page: Redact). */
export const REDACTED = '[Redact]';

const SOURCE_SYSTEM = { id: 'ad', displayName: 'Active Directory', details: {} };
const TARGET_SYSTEM = { id: 'aad', displayName: 'Canopy cloud directory', details: {} };

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.length === 0 ? null : JSON.stringify(value);
  return String(value);
}

export class ObjectLog {
  readonly #context: LogContext;
  readonly #started: number;
  readonly #steps: Step[] = [];
  readonly #modified: { displayName: string; oldValue: string | null; newValue: string | null }[] = [];
  #action: Action = 'other';
  #target: Summary['targetIdentity'] = { id: null, displayName: null, identityType: '', details: {} };
  #error: ErrorInformation | undefined;
  #status: Status | undefined;
  /** When each step was recorded (ISO 8601), for provision on demand's step timestamps. */
  readonly #stepTimes: string[] = [];
  readonly #redacted = new Set<string>();
  #summary: ProvisioningObjectSummary | undefined;

  constructor(
    context: LogContext,
    readonly source: { readonly id: string; readonly displayName: string | null; readonly identityType: string; readonly details: Record<string, JsonValue> },
  ) {
    this.#context = context;
    this.#started = context.now().getTime();
  }

  step(provisioningStepType: Step['provisioningStepType'], status: Status, description: string, details: Record<string, JsonValue> = {}): this {
    this.#steps.push({ name: stepName(provisioningStepType), provisioningStepType, status, description, details });
    this.#stepTimes.push(this.#context.now().toISOString());
    return this;
  }

  action(action: Action): this {
    this.#action = action;
    return this;
  }

  get currentAction(): Action {
    return this.#action;
  }

  target(id: string | null, displayName: string | null, identityType: string): this {
    this.#target = { id, displayName, identityType, details: {} };
    return this;
  }

  modified(displayName: string, oldValue: unknown, newValue: unknown): this {
    const shown = (value: unknown) => (this.#redacted.has(displayName) && text(value) !== null ? REDACTED : text(value));
    this.#modified.push({ displayName, oldValue: shown(oldValue), newValue: shown(newValue) });
    return this;
  }

  /** Properties whose mapping ran Redact(): logged as "[Redact]", before and after. */
  redact(names: Iterable<string>): this {
    for (const name of names) this.#redacted.add(name);
    return this;
  }

  fail(error: ErrorInformation): this {
    this.#error = error;
    this.#status = 'failure';
    return this;
  }

  skip(): this {
    this.#status = 'skipped';
    return this;
  }

  get failed(): boolean {
    return this.#status === 'failure';
  }

  get stepTimes(): readonly string[] {
    return this.#stepTimes;
  }

  get startedAt(): Date {
    return new Date(this.#started);
  }

  /** The entry, fixed at its first call (id, time and duration stay what was written). */
  toSummary(): ProvisioningObjectSummary {
    this.#summary ??= this.#summarize();
    return this.#summary;
  }

  #summarize(): ProvisioningObjectSummary {
    const now = this.#context.now();
    const status: Status = this.#status ?? (this.#steps.some((s) => s.status === 'warning') ? 'warning' : 'success');
    return {
      id: randomUUID(),
      activityDateTime: now.toISOString(),
      changeId: randomUUID(),
      cycleId: this.#context.cycleId,
      jobId: this.#context.jobId,
      tenantId: this.#context.tenantId,
      durationInMilliseconds: Math.max(0, now.getTime() - this.#started),
      provisioningAction: this.#action,
      initiatedBy: { id: '', displayName: 'Azure AD Provisioning Service', initiatorType: 'system' },
      modifiedProperties: this.#modified,
      provisioningSteps: this.#steps,
      sourceIdentity: this.source,
      targetIdentity: this.#target,
      sourceSystem: SOURCE_SYSTEM,
      targetSystem: TARGET_SYSTEM,
      provisioningStatusInfo: {
        status,
        errorInformation: this.#error ? { additionalDetails: null, ...this.#error } as unknown as JsonValue : null,
      },
    };
  }
}

function stepName(type: Step['provisioningStepType']): string {
  switch (type) {
    case 'import':
      return 'EntryImport';
    case 'scoping':
      return 'EntrySynchronizationScoping';
    case 'matching':
      return 'EntryMatching';
    case 'processing':
      return 'EntrySynchronization';
    case 'referenceResolution':
      return 'EntryReferenceResolution';
    case 'export':
      return 'EntryExport';
  }
}
