/**
 * Which source objects a job syncs. Cloud sync scopes on the synchronization rule's
 * containerFilter (OU DNs, the object anywhere below one of them) or, exclusively, its
 * groupFilter (the groups and their direct members: group-scope.ts), then on the
 * objectMapping's attribute scoping filter (scope-filter.ts), and always leaves out
 * objects with isCriticalSystemObject=TRUE and the agent's own service account. Computers
 * are objectClass=user in AD too (MS-ADTS 3.1.1.2, computer derives from user) and never
 * become cloud users.
 */
import { CanopyError } from '../core/errors.ts';
import type { AdObject } from '../core/ad-object.ts';
import { isDnWithin, normalizeDn, normalizedRdns } from '../core/dn.ts';
import type { AttributeDefinition, DirectoryDefinition, SynchronizationRule } from './schema/synchronization-schema.ts';
import { compileScopeFilter, evaluateScopeFilter, type CompiledScopeFilter } from './scope-filter.ts';
import { checkAgentReads } from './schema/agent-attributes.ts';
import { readAttribute } from './source-attributes.ts';

export type SyncedObjectType = 'user' | 'group';

export type ScopeDecision =
  | { readonly inScope: true; readonly objectType: SyncedObjectType }
  | {
      readonly inScope: false;
      /** 'excluded': never synced wherever it lives; 'out-of-scope': outside the containers; 'unsupported': not a user or group. */
      readonly kind: 'excluded' | 'out-of-scope' | 'unsupported';
      readonly reason: string;
    };

/** The attribute scoping filter of each enabled objectMapping, by source object. */
export type ScopeFilters = { readonly [K in 'user' | 'inetOrgPerson' | 'group']?: CompiledScopeFilter };

/** The included groups (normalized DNs) and their direct members (reference keys → as read), read each cycle. */
export interface GroupScope {
  readonly groups: ReadonlySet<string>;
  readonly members: ReadonlyMap<string, string>;
}

export interface ScopeRules {
  readonly includedContainers: readonly string[];
  /** The rule's groupFilter.includedGroups (DNs as written); `groupScope` holds what they contain. */
  readonly includedGroups: readonly string[];
  /** Read from AD by group-scope.ts readGroupScope before objects are decided; required with includedGroups. */
  readonly groupScope?: GroupScope;
  readonly syncAccountDn?: string;
  readonly syncAccountSam?: string;
  readonly filters?: ScopeFilters;
}

function sourceDefinitions(directories: readonly DirectoryDefinition[] | undefined, rule: SynchronizationRule, objectName: string): ReadonlyMap<string, AttributeDefinition> | undefined {
  const object = directories?.find((d) => d.name === rule.sourceDirectoryName)?.objects.find((o) => o.name.toLowerCase() === objectName.toLowerCase());
  return object ? new Map(object.attributes.map((a) => [a.name.toLowerCase(), a])) : undefined;
}

/**
 * The rule's scope, checked: container filter, the objectMappings' attribute scoping filters
 * (scope-filter.ts; attributes checked against the source directory's definitions when
 * `directories` are given), and the accounts never synced.
 */
export function scopeRulesOf(rule: SynchronizationRule, syncAccount?: { dn?: string; sAMAccountName?: string }, directories?: readonly DirectoryDefinition[]): ScopeRules {
  const includedContainers = (rule.containerFilter?.includedContainers ?? []).filter((c) => c.trim() !== '');
  const includedGroups = (rule.groupFilter?.includedGroups ?? []).filter((g) => g.trim() !== '');
  if (includedContainers.length > 0 && includedGroups.length > 0) {
    throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', 'containerFilter.includedContainers and groupFilter.includedGroups are mutually exclusive: scope by OUs or by groups, not both');
  }
  for (const [what, dns] of [['containerFilter.includedContainers', includedContainers], ['groupFilter.includedGroups', includedGroups]] as const) {
    for (const dn of dns) {
      try {
        normalizedRdns(dn);
      } catch {
        throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${what}: ${JSON.stringify(dn)} is not a distinguished name`);
      }
    }
  }
  const filters: { -readonly [K in keyof ScopeFilters]: CompiledScopeFilter } = {};
  for (const mapping of rule.objectMappings) {
    if (!mapping.enabled) continue;
    const source = mapping.sourceObjectName.toLowerCase();
    const key = source === 'inetorgperson' ? 'inetOrgPerson' : source;
    const where = `objectMapping "${mapping.name}"`;
    const filter = compileScopeFilter(mapping.scope, where, sourceDefinitions(directories, rule, mapping.sourceObjectName));
    const read = (mapping.scope?.groups ?? []).flatMap((g) => g.clauses.map((c) => c.sourceOperandName));
    checkAgentReads(rule.sourceDirectoryName, mapping.sourceObjectName, read, `${where}, scoping filter`);
    if (filter && (key === 'user' || key === 'group' || key === 'inetOrgPerson')) filters[key] = filter;
  }
  return {
    includedContainers,
    includedGroups,
    ...(syncAccount?.dn ? { syncAccountDn: normalizeDn(syncAccount.dn) } : {}),
    ...(syncAccount?.sAMAccountName ? { syncAccountSam: syncAccount.sAMAccountName.toLowerCase() } : {}),
    ...(Object.keys(filters).length > 0 ? { filters } : {}),
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

/**
 * Decides one object. Only attributes present are consulted: a partial change (`complete`
 * false) that lacks an attribute a scoping filter reads is taken as in scope, so a synced
 * object is not deleted for what the change did not carry (an object not synced yet is read
 * whole before it is created, and decided again).
 */
export function decideScope(object: AdObject, rules: ScopeRules, complete = true): ScopeDecision {
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
  if (rules.includedGroups.length > 0 && !inGroupScope(object, rules)) {
    return { inScope: false, kind: 'out-of-scope', reason: 'the object is neither an included group nor a direct member of one (groupFilter; members of nested groups are not included)' };
  }
  const filter = rules.filters?.[objectType === 'user' && isInetOrgPerson(object) ? 'inetOrgPerson' : objectType];
  if (filter) {
    const view = { object, complete, anchor: '' };
    const result = evaluateScopeFilter(filter, (name) => readAttribute(view, name));
    if (result.passes === false) return { inScope: false, kind: 'out-of-scope', reason: result.reason };
  }
  return { inScope: true, objectType };
}

function inGroupScope(object: AdObject, rules: ScopeRules): boolean {
  const scope = rules.groupScope;
  if (!scope) throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', 'groupFilter scoping: the included groups were not read before objects were decided');
  const dn = normalizeDn(object.dn);
  return scope.groups.has(dn) || scope.members.has(dn) || scope.members.has(object.objectGuid.toLowerCase());
}

function isInetOrgPerson(object: AdObject): boolean {
  return object.objectClasses.some((c) => c.toLowerCase() === 'inetorgperson');
}
