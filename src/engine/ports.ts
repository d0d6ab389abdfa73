/**
 * What the engine needs from the parts around it, as narrow interfaces. The composition
 * root wires the relay + agent behind ChangeSource (scim-change-source.ts) and the directory
 * store + the engine's own state behind SyncStore (sqlite/sync-store.ts).
 */
import type { AdChange, AdChangePage, AdObject } from '../core/ad-object.ts';
import type { AdSchemaDiscovery } from '../core/ad-schema.ts';
import type { DirectoryStore, DirectoryTransaction } from '../directory/store.ts';
import type { SynchronizationSchema } from './schema/synchronization-schema.ts';

/** A change as the source reports it: an upsert (whole or partial) or a delete. */
export type SourceChange = AdChange;
export type SourceObject = AdObject;
/** One page of changes and the opaque watermark that covers it. */
export type SourcePage = AdChangePage;

/** The job as a cycle sees it: who, which domain, which mapping and scope. */
export interface CycleJob {
  readonly tenantId: string;
  readonly jobId: string;
  /** DNS name of the AD domain the job syncs (the `Domain` secret). */
  readonly domain: string;
  readonly schema: SynchronizationSchema;
  /** The account the agent binds with; never synced (Connect's MSOL_ account rule). */
  readonly syncAccount?: { readonly dn?: string; readonly sAMAccountName?: string };
}

export interface ChangeSource {
  /**
   * Changes since `watermark`, or every in-scope object when it is absent (full read), page
   * by page. Each page's watermark is safe to persist once its changes are committed.
   */
  readDelta(job: CycleJob, watermark: string | undefined, signal?: AbortSignal): AsyncIterable<SourcePage>;
  /**
   * One object read whole, by objectGUID: used when a partial change names an object the
   * engine has never seen, and to retry escrows. Optional: without it such changes escrow.
   */
  readObject?(job: CycleJob, objectGuid: string, signal?: AbortSignal): Promise<SourceObject | undefined>;
  /** One object read whole, by DN (provision on demand names objects by DN). */
  readObjectByDn?(job: CycleJob, dn: string, signal?: AbortSignal): Promise<SourceObject | undefined>;
  /** What the forest's schema lets each named class hold (schema discovery, schema/discover.ts). */
  readSchema?(job: CycleJob, classNames: readonly string[], signal?: AbortSignal): Promise<AdSchemaDiscovery>;
}

/**
 * The engine's record of one source object (Connect's connector space, one row): how an
 * objectGUID maps to its anchor and cloud object. Deltas and tombstones carry the objectGUID
 * but not always ms-DS-ConsistencyGuid, and the anchor must never change, so the engine
 * remembers it rather than recomputing it.
 */
export interface SourceObjectState {
  readonly objectGuid: string;
  /** onPremisesImmutableId: base64 of the anchor GUID's bytes. */
  readonly anchor: string;
  readonly objectType: 'user' | 'group';
  /** The cloud object's id; null while the object has none (excluded, or failed before create). */
  readonly targetId: string | null;
  /** The DN last seen, as AD spells it. */
  readonly dn: string;
  /** 'synced': has a live cloud object; 'excluded': seen, never to sync; 'deleted': cloud object deleted. */
  readonly state: 'synced' | 'excluded' | 'deleted';
  /** Reference key (dn.ts referenceKey) of a manager not synced yet (resolved when it arrives). */
  readonly pendingManager: string | null;
}

/** A delete held back by the delete threshold (engine/staged-deletes.ts): the object is still synced. */
export interface StagedDelete extends SourceObjectState {
  /** Why it would be deleted (deletes.ts DeleteReason). */
  readonly stagedReason: string;
  /** When it was first staged (ISO 8601). */
  readonly stagedAt: string;
}

/** Engine state reads and writes; inside a SyncTransaction they join the directory's transaction. */
export interface SourceStateStore {
  byObjectGuids(tenantId: string, jobId: string, objectGuids: readonly string[]): Promise<Map<string, SourceObjectState>>;
  /** Synced objects by normalized DN (dn.ts normalizeDn), for reference resolution. */
  byDns(tenantId: string, jobId: string, normalizedDns: readonly string[]): Promise<Map<string, SourceObjectState>>;
  put(tenantId: string, jobId: string, states: readonly SourceObjectState[]): Promise<void>;
  /** Users whose manager is pending, a page at a time (keyset on objectGuid). */
  withPendingManager(tenantId: string, jobId: string, after: string | undefined, limit: number): Promise<readonly SourceObjectState[]>;
  countSynced(tenantId: string, jobId: string): Promise<{ user: number; group: number }>;
  /** Marks objects returned by the full re-read `token`. */
  markSeen(tenantId: string, jobId: string, objectGuids: readonly string[], token: string): Promise<void>;
  /** Synced objects the re-read `token` did not return, a page at a time (keyset on objectGuid). */
  unseen(tenantId: string, jobId: string, token: string, after: string | undefined, limit: number): Promise<readonly SourceObjectState[]>;
  /** The token of the full re-read in progress, if any. */
  getResetToken(tenantId: string, jobId: string): Promise<string | undefined>;
  setResetToken(tenantId: string, jobId: string, token: string | null): Promise<void>;
  /**
   * Holds deletes back: the objects stay synced, marked with the reason; an object staged
   * already keeps its first stagedAt. `put` with a state other than 'synced' unstages.
   */
  stageDeletes(tenantId: string, jobId: string, staged: readonly { objectGuid: string; reason: string }[], at: string): Promise<void>;
  /** Forgets staged deletes (the objects came back into scope). */
  unstageDeletes(tenantId: string, jobId: string, objectGuids: readonly string[]): Promise<void>;
  /** Staged deletes, a page at a time (keyset on objectGuid). */
  stagedDeletes(tenantId: string, jobId: string, after: string | undefined, limit: number): Promise<readonly StagedDelete[]>;
  countStagedDeletes(tenantId: string, jobId: string): Promise<number>;
  /** Restart with resetScope ForceDeletes: the next cycle applies the staged deletes whatever the threshold. */
  getForceDeletes(tenantId: string, jobId: string): Promise<boolean>;
  setForceDeletes(tenantId: string, jobId: string, force: boolean): Promise<void>;
  /** Forgets a job's state (restart with resetScope Full). */
  clear(tenantId: string, jobId: string): Promise<void>;
}

export interface SyncTransaction {
  readonly directory: DirectoryTransaction;
  readonly state: SourceStateStore;
}

/** A notification email as queued (notifications/notifier.ts). */
export interface OutgoingMail {
  readonly tenantId: string;
  readonly jobId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
}

export interface QueuedMail extends OutgoingMail {
  readonly id: string;
  readonly queuedAt: string;
  /** Failed attempts so far, and the last one's error. */
  readonly attempts: number;
  readonly lastError: string | null;
}

/**
 * Notification email waiting for the mail server, kept in the store so that a message the
 * mail server has not accepted yet survives a restart of the service. A sender claims a
 * message (until a time) before sending, so that two nodes of one Postgres do not both
 * send it; a claim that lapses (the node died mid-send) frees the message again.
 */
export interface MailOutbox {
  add(mail: OutgoingMail, at: Date): Promise<void>;
  /** The oldest message without a live claim, now claimed until `until`; undefined when none. */
  claimNext(now: Date, until: Date): Promise<QueuedMail | undefined>;
  /** The mail server accepted it: gone. */
  remove(id: string): Promise<void>;
  /** The mail server refused it or was down: the claim ends, the attempt and error are counted. */
  release(id: string, error: string): Promise<void>;
  count(): Promise<number>;
}

export interface SyncStore {
  readonly directory: DirectoryStore;
  /** Committed state, outside any transaction. */
  readonly state: SourceStateStore;
  /** Notification email not yet accepted by the mail server. */
  readonly outbox: MailOutbox;
  /** One transaction over directory writes, engine state and the watermark. */
  transaction<T>(work: (tx: SyncTransaction) => Promise<T>): Promise<T>;
  /** Releases the engine's own resources (not the directory store, which its opener closes). */
  close(): Promise<void>;
}
