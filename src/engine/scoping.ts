/**
 * Which source objects a job syncs. Cloud sync scopes on the synchronization rule's
 * containerFilter (OU DNs, the object anywhere below one of them) and always leaves out
 * objects with isCriticalSystemObject=TRUE and the agent's own service account. Computers
 * are objectClass=user in AD too (MS-ADTS 3.1.1.2, computer derives from user) and never
 * become cloud users.
 */
import { CanopyError } from '../core/errors.ts';
import type { AdObject } from '../core/ad-object.ts';
import { isDnWithin, normalizeDn } from '../core/dn.ts';
import type { SynchronizationRule } from './schema/synchronization-schema.ts';

export type SyncedObjectType = 'user' | 'group';

export type ScopeDecision =
  | { readonly inScope: true; readonly objectType: SyncedObjectType }
  | {
      readonly inScope: false;
      /** 'excluded': never synced wherever it lives; 'out-of-scope': outside the containers; 'unsupported': not a user or group. */
      readonly kind: 'excluded' | 'out-of-scope' | 'unsupported';
      readonly reason: string;
    };

export interface ScopeRules {
  readonly includedContainers: readonly string[];
  readonly syncAccountDn?: string;
  readonly syncAccountSam?: string;
}

export function scopeRulesOf(rule: SynchronizationRule, syncAccount?: { dn?: string; sAMAccountName?: string }): ScopeRules {
  if (rule.groupFilter && rule.groupFilter.includedGroups.length > 0) {
    throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', 'groupFilter scoping is not supported yet; use containerFilter');
  }
  for (const mapping of rule.objectMappings) {
    const groups = [...(mapping.scope?.groups ?? []), ...(mapping.scope?.inputFilterGroups ?? [])];
    if (groups.some((g) => g.clauses.length > 0)) {
      throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `attribute scoping filters (objectMapping "${mapping.name}") are not supported yet`);
    }
  }
  return {
    includedContainers: (rule.containerFilter?.includedContainers ?? []).filter((c) => c.trim() !== ''),
    ...(syncAccount?.dn ? { syncAccountDn: normalizeDn(syncAccount.dn) } : {}),
    ...(syncAccount?.sAMAccountName ? { syncAccountSam: syncAccount.sAMAccountName.toLowerCase() } : {}),
  };
}

function attributeValue(object: AdObject, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, values] of Object.entries(object.attributes)) {
    if (key.toLowerCase() === lower) return values[0];
  }
  return undefined;
}

export function objectTypeOf(object: Pick<AdObject, 'objectClass' | 'objectClasses'>): SyncedObjectType | undefined {
  const classes = object.objectClasses.map((c) => c.toLowerCase());
  if (object.objectClass === 'computer' || classes.includes('computer')) return undefined;
  if (object.objectClass === 'group' || classes.includes('group')) return 'group';
  if (object.objectClass === 'user' || classes.includes('user')) return 'user';
  return undefined;
}

/** Decides one object. Only attributes present are consulted (a partial change may lack them). */
export function decideScope(object: AdObject, rules: ScopeRules): ScopeDecision {
  const objectType = objectTypeOf(object);
  if (objectType === undefined) {
    return { inScope: false, kind: 'unsupported', reason: `objectClass ${object.objectClass} is not synced` };
  }
  if (attributeValue(object, 'isCriticalSystemObject')?.toUpperCase() === 'TRUE') {
    return { inScope: false, kind: 'excluded', reason: 'isCriticalSystemObject is TRUE' };
  }
  if (rules.syncAccountDn !== undefined && normalizeDn(object.dn) === rules.syncAccountDn) {
    return { inScope: false, kind: 'excluded', reason: 'the object is the sync service account' };
  }
  if (rules.syncAccountSam !== undefined && attributeValue(object, 'sAMAccountName')?.toLowerCase() === rules.syncAccountSam) {
    return { inScope: false, kind: 'excluded', reason: 'the object is the sync service account' };
  }
  if (rules.includedContainers.length > 0 && !rules.includedContainers.some((container) => isDnWithin(object.dn, container))) {
    return { inScope: false, kind: 'out-of-scope', reason: 'the object is outside every included container' };
  }
  return { inScope: true, objectType };
}
