/** What every step of one cycle shares: the job, its compiled mapping, policies, counters. */
import type { EscrowInput, MemberType } from '../directory/types.ts';
import type { DeletePolicy } from './deletes.ts';
import type { CompiledObjectMapping } from './mapping.ts';
import type { MatchLookup, MatchOptions } from './matching.ts';
import type { CycleJob, SourceObjectState } from './ports.ts';
import type { LogContext, ObjectLog } from './provisioning-log.ts';
import type { ScopeRules } from './scoping.ts';

/** Graph synchronizationTaskExecution counts, plus the engine's own break-down. */
export interface CycleCounters {
  imported: number;
  importedDeltas: number;
  importedReferenceDeltas: number;
  entitled: number;
  exported: number;
  escrowed: number;
  created: number;
  updated: number;
  deleted: number;
  /** Deletes held back by the delete threshold (staged-deletes.ts). */
  staged: number;
  skipped: number;
}

export function newCounters(): CycleCounters {
  return { imported: 0, importedDeltas: 0, importedReferenceDeltas: 0, entitled: 0, exported: 0, escrowed: 0, created: 0, updated: 0, deleted: 0, staged: 0, skipped: 0 };
}

export interface CycleContext {
  readonly job: CycleJob;
  readonly cycleId: string;
  readonly mode: 'full' | 'delta';
  /** By source object: `inetOrgPerson` applies to users whose objectClass chain names it. */
  readonly mappings: { readonly user?: CompiledObjectMapping; readonly inetOrgPerson?: CompiledObjectMapping; readonly group?: CompiledObjectMapping };
  readonly scope: ScopeRules;
  readonly now: () => Date;
  readonly deletePolicy: DeletePolicy;
  /** The job had staged deletes when the cycle began: objects that come back are unstaged. */
  readonly hadStagedDeletes: boolean;
  readonly match: MatchOptions;
  readonly counters: CycleCounters;
  readonly log: LogContext;
  /** Called after each page: writes the cycle's progress now and then (job-status.ts recordProgress). */
  readonly progress?: () => Promise<void>;
  /** objectGUIDs escrowed during this cycle: not retried before the next one. */
  readonly escrowedNow: Set<string>;
}

/** A reference attribute of one object, resolved once per page for the whole page. */
export type ReferenceWork =
  | {
      readonly kind: 'manager';
      readonly holder: SourceObjectState;
      readonly currentManagerId: string | null;
      /** The manager's DN, or undefined to clear it. */
      readonly dn: string | undefined;
      readonly log: ObjectLog;
    }
  | {
      readonly kind: 'members';
      readonly holder: SourceObjectState;
      /** 'replace': `dns` is the whole member list; 'delta': members added and removed. */
      readonly mode: 'replace' | 'delta';
      /** true when the group has no memberships yet (just created): nothing to clear. */
      readonly fresh: boolean;
      readonly dns: readonly string[];
      readonly removed: readonly string[];
      readonly log: ObjectLog;
    };

/** What one page accumulates before it commits. */
export interface PageWork {
  /** Reads for matching, batched for the page (page-lookup.ts); the transaction when absent. */
  readonly lookup?: MatchLookup;
  /** The page's view of source state: committed rows, updated as the page writes. */
  readonly states: Map<string, SourceObjectState>;
  readonly references: ReferenceWork[];
  /** Objects created, restored or moved in this page: pending references naming them resolve. */
  readonly arrivals: { reference: string; memberId: string; memberType: MemberType }[];
  readonly succeeded: string[];
  /** Objects read in scope: a delete staged for one of them is forgotten (it came back). */
  readonly returned: string[];
  readonly escrows: EscrowInput[];
  readonly logs: ObjectLog[];
  /**
   * Reference key → synced object, a best guess for this page: the page's manager references
   * read in one batch before it, plus what the page synced. A new user is created with the
   * manager guessed here rather than updated once more after; resolvePageReferences resolves
   * every reference again, so a stale guess is corrected before the page commits.
   */
  readonly knownTargets: Map<string, { readonly targetId: string; readonly objectType: 'user' | 'group' }>;
}

export function newPageWork(states: Map<string, SourceObjectState>, lookup?: MatchLookup, knownTargets: PageWork['knownTargets'] = new Map()): PageWork {
  return { states, ...(lookup ? { lookup } : {}), references: [], arrivals: [], succeeded: [], returned: [], escrows: [], logs: [], knownTargets };
}
