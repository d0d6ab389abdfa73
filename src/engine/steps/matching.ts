/**
 * Step 3, matching: the cloud object this source object is, if any — the one the engine
 * joined it to, else a hard match on the source anchor, else (users only) a soft match on
 * the primary SMTP address or the UPN (matching.ts). A user's match values come from its
 * create mapping, so a custom mapping matches on what it writes; that evaluation serves
 * the create as it is (processing.ts).
 */
import type { DirectoryGroup, DirectoryUser } from '../../directory/types.ts';
import type { CycleContext, PageWork } from '../cycle-context.ts';
import { evaluateMapping, type MappingResult } from '../mapping.ts';
import { matchGroup, matchUser, type MatchOutcome } from '../matching.ts';
import type { SyncTransaction } from '../ports.ts';
import { conflictError, failObject, first, type ObjectInput } from './outcomes.ts';

export type Matched =
  /** No cloud object: one is created. */
  | { readonly kind: 'new'; readonly createMapping?: MappingResult }
  /** A cloud object, `joining` when it is not yet (or no longer) this object's synced one. */
  | { readonly kind: 'existing'; readonly target: DirectoryUser | DirectoryGroup; readonly soft: boolean; readonly joining: boolean; readonly createMapping?: MappingResult };

/** The match, logged; undefined when the object's path ends here (logged and escrowed). */
export async function matchingStep(ctx: CycleContext, tx: SyncTransaction, work: PageWork, input: ObjectInput): Promise<Matched | undefined> {
  const { view, state, log } = input;
  const lookup = work.lookup ?? tx.directory;
  let createMapping: MappingResult | undefined;
  let outcome: MatchOutcome<DirectoryUser> | MatchOutcome<DirectoryGroup>;
  if (input.objectType === 'user') {
    createMapping = view.complete ? evaluateMapping(input.compiled, view, 'create') : undefined;
    const probe = createMapping?.mapped.values ?? new Map();
    outcome = await matchUser(lookup, ctx.job.tenantId, {
      knownTargetId: state?.targetId ?? null,
      anchor: view.anchor,
      mail: first(probe.get('mail')),
      proxyAddresses: (probe.get('proxyAddresses') as readonly string[] | undefined) ?? [],
      userPrincipalName: first(probe.get('userPrincipalName')),
    }, ctx.match);
    if (outcome.kind === 'conflict') {
      log.step('matching', 'failure', outcome.reason);
      failObject(ctx, work, log, input.guid, 'user', conflictError(outcome));
      return undefined;
    }
  } else {
    outcome = await matchGroup(lookup, ctx.job.tenantId, { knownTargetId: state?.targetId ?? null, anchor: view.anchor });
    if (outcome.kind !== 'none' && outcome.kind !== 'joined') return undefined; // groups are hard-matched only
  }
  if (outcome.kind === 'none') {
    if (!view.complete) {
      incompleteForCreate(ctx, work, input);
      return undefined;
    }
    log.step('matching', 'success', `no matching cloud ${input.objectType}: a new one is created`);
    return createMapping ? { kind: 'new', createMapping } : { kind: 'new' };
  }
  const target = outcome.target;
  log.step('matching', 'success', outcome.kind === 'soft'
    ? `soft match on ${outcome.on} ${outcome.value}`
    : `joined on the ${outcome.how === 'state' ? 'known cloud object' : 'source anchor'}`);
  const soft = outcome.kind === 'soft';
  const joining = soft || target.onPremisesSyncEnabled !== true || target.deletedDateTime !== null || state?.state !== 'synced';
  return { kind: 'existing', target, soft, joining, ...(createMapping ? { createMapping } : {}) };
}

function incompleteForCreate(ctx: CycleContext, work: PageWork, input: ObjectInput): void {
  input.log.step('matching', 'failure', 'the known cloud object is gone and the change is partial');
  failObject(ctx, work, input.log, input.guid, input.objectType, {
    errorCode: 'IncompleteSourceObject',
    reason: 'the cloud object this source object was synced to no longer exists, and the change does not carry every attribute',
    errorCategory: 'Retryable',
    recommendedAction: 'The object is retried from escrow; a full sync (restart with resetScope Full) also brings it back.',
  });
}
