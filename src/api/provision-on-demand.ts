/**
 * POST …/jobs/{id}/provisionOnDemand (microsoft-graph-docs
 * synchronization-synchronizationjob-provisionondemand): the request's
 * synchronizationJobApplicationParameters, and the answer Graph gives, a
 * stringKeyStringValuePair whose `key` is the JSON text of {result, details} and whose
 * `value` is the JSON text of the object's provisioning record (provisioningSteps,
 * modifiedProperties, action, statusInfo, identities), as in the docs' cloud sync example.
 */
import type { JsonValue, ProvisioningObjectSummary } from '../directory/types.ts';
import type { OnDemandResult, OnDemandSubject } from '../engine/on-demand.ts';
import { REDACTED } from '../engine/provisioning-log.ts';
import type { SynchronizationSchema } from '../engine/schema/synchronization-schema.ts';
import { isCanopyError } from '../core/errors.ts';
import { GraphError, badRequest } from './errors.ts';

interface Body {
  readonly parameters?: unknown;
}

/**
 * The one subject of the request. Cloud sync provisions one object per call (the portal's
 * "provision on demand" takes one DN); `ruleId`, when given, must name the schema's rule.
 */
export function parseOnDemandBody(body: unknown, schema: SynchronizationSchema): OnDemandSubject {
  const parameters = (body as Body | undefined)?.parameters;
  if (!Array.isArray(parameters) || parameters.length !== 1) {
    throw badRequest('provisionOnDemand needs "parameters": one synchronizationJobApplicationParameters ({ruleId, subjects}).');
  }
  const parameter = parameters[0] as { ruleId?: unknown; subjects?: unknown } | null;
  const ruleId = parameter?.ruleId;
  if (ruleId !== undefined && ruleId !== null) {
    const rules = schema.synchronizationRules.map((r) => r.id);
    if (typeof ruleId !== 'string' || !rules.includes(ruleId)) {
      throw badRequest(`parameters[0].ruleId ${JSON.stringify(ruleId)} is not a rule of the job's schema (${rules.join(', ')}).`);
    }
  }
  const subjects = parameter?.subjects;
  if (!Array.isArray(subjects) || subjects.length !== 1) {
    throw badRequest('parameters[0].subjects needs exactly one synchronizationJobSubject ({objectId, objectTypeName}): cloud sync provisions one object per request.');
  }
  const subject = subjects[0] as { objectId?: unknown; objectTypeName?: unknown; links?: unknown } | null;
  if (typeof subject?.objectId !== 'string' || subject.objectId.trim() === '') {
    throw badRequest('parameters[0].subjects[0].objectId needs the AD object\'s distinguished name (or its objectGUID).');
  }
  if (typeof subject.objectTypeName !== 'string' || !['user', 'group'].includes(subject.objectTypeName.toLowerCase())) {
    throw badRequest(`parameters[0].subjects[0].objectTypeName ${JSON.stringify(subject.objectTypeName)}: expected "user" or "group".`);
  }
  const members = linkedMembers(subject.links, subject.objectTypeName);
  return { objectId: subject.objectId.trim(), objectTypeName: subject.objectTypeName, ...(members ? { members } : {}) };
}

/** Members provisioned with a group (Graph's example 3, "a group and two of its members"); the portal offers up to five. */
export const MAX_LINKED_MEMBERS = 5;

function linkedMembers(links: unknown, objectTypeName: string): OnDemandSubject['members'] {
  if (links === undefined || links === null) return undefined;
  const where = 'parameters[0].subjects[0].links';
  const members = (links as { members?: unknown }).members;
  if (typeof links !== 'object' || !Array.isArray(members) || Object.keys(links).some((k) => k !== 'members')) {
    throw badRequest(`${where} takes only "members": a list of synchronizationJobSubject ({objectId, objectTypeName}).`);
  }
  if (objectTypeName.toLowerCase() !== 'group') throw badRequest(`${where}.members is for a group subject, not a ${objectTypeName}.`);
  if (members.length === 0 || members.length > MAX_LINKED_MEMBERS) {
    throw badRequest(`${where}.members takes 1 to ${MAX_LINKED_MEMBERS} members of the group (it has ${members.length}).`);
  }
  return members.map((m: unknown, i) => {
    const member = m as { objectId?: unknown; objectTypeName?: unknown } | null;
    if (typeof member?.objectId !== 'string' || member.objectId.trim() === '') throw badRequest(`${where}.members[${i}].objectId needs the member's distinguished name (or its objectGUID).`);
    if (typeof member.objectTypeName !== 'string' || !['user', 'group'].includes(member.objectTypeName.toLowerCase())) {
      throw badRequest(`${where}.members[${i}].objectTypeName ${JSON.stringify(member.objectTypeName)}: expected "user" or "group".`);
    }
    return { objectId: member.objectId.trim(), objectTypeName: member.objectTypeName };
  });
}

const capital = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** Attribute values as the docs' example shows them: text, several values joined. */
function importDetails(result: OnDemandResult): Record<string, string> {
  const { object } = result;
  const details: Record<string, string> = { distinguishedName: object.dn, objectGUID: object.objectGuid };
  if (object.consistencyGuid) details['mS-DS-ConsistencyGuid'] = object.consistencyGuid;
  if (object.objectSid) details.objectSid = object.objectSid;
  for (const [name, values] of Object.entries(object.attributes)) {
    details[name] = result.redactedSources.has(name.toLowerCase()) && values.length > 0 ? REDACTED : values.join(', ');
  }
  return details;
}

function reportableIdentifier(result: OnDemandResult): string {
  const attribute = (name: string) => Object.entries(result.object.attributes).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1][0];
  return attribute('userPrincipalName') ?? attribute('displayName') ?? attribute('cn') ?? result.object.dn;
}

function resultOf(summary: ProvisioningObjectSummary | undefined): { result: string; details: Record<string, JsonValue> } {
  if (!summary) return { result: 'Skipped', details: { errorCode: 'ExcludedFromSync', errorMessage: 'The object is excluded from sync (the sync account, or isCriticalSystemObject).' } };
  const { status, errorInformation } = summary.provisioningStatusInfo;
  const error = errorInformation as { errorCode?: string; reason?: string } | null;
  if (status === 'failure') return { result: 'Failure', details: { errorCode: error?.errorCode ?? 'Failure', errorMessage: error?.reason ?? '' } };
  if (status === 'skipped') {
    const step = [...summary.provisioningSteps].reverse().find((s) => s.status === 'skipped');
    return { result: 'Skipped', details: { errorCode: step?.provisioningStepType === 'scoping' ? 'NotInScope' : 'Skipped', errorMessage: step?.description ?? '' } };
  }
  const exported = summary.provisioningSteps.find((s) => s.provisioningStepType === 'export');
  if (exported?.status === 'skipped') return { result: 'Skipped', details: { errorCode: 'RedundantExport', errorMessage: exported.description } };
  return { result: 'Success', details: {} };
}

/** Graph's stringKeyStringValuePair for one object provisioned on demand. */
export function onDemandResponse(result: OnDemandResult): { key: string; value: string } {
  const summary = result.log?.toSummary();
  const outcome = resultOf(summary);
  const times = result.log?.stepTimes ?? [];
  const end = summary?.activityDateTime ?? new Date().toISOString();
  const error = (summary?.provisioningStatusInfo.errorInformation ?? null) as Record<string, JsonValue> | null;
  const value = {
    provisioningSteps: (summary?.provisioningSteps ?? []).map((step, i) => ({
      name: step.name,
      type: capital(step.provisioningStepType),
      status: capital(step.status),
      description: step.description,
      timestamp: times[i] ?? end,
      details: step.provisioningStepType === 'import' ? { ...(step.details as object), ...importDetails(result) } : step.details,
    })),
    modifiedProperties: (summary?.modifiedProperties ?? []).map((p) => ({ displayName: p.displayName, oldValue: p.oldValue, newValue: p.newValue })),
    action: capital(summary?.provisioningAction ?? 'other'),
    changeId: summary?.changeId ?? null,
    startTime: result.log?.startedAt.toISOString() ?? end,
    endTime: end,
    reportableIdentifier: reportableIdentifier(result),
    sourceIdentity: { id: result.object.objectGuid, type: summary?.sourceIdentity.identityType ?? result.object.objectClass, displayName: summary?.sourceIdentity.displayName ?? null, details: null },
    sourceSystem: { name: 'Active Directory' },
    targetIdentity: { id: summary?.targetIdentity.id ?? null, type: summary?.targetIdentity.identityType || null, displayName: summary?.targetIdentity.displayName ?? null, details: null },
    targetSystem: { name: 'Azure Active Directory' },
    // Canopy's: what became of the chosen members (links.members), each also logged on its own.
    ...(result.members ? {
      members: result.members.map((m) => {
        const member = m.log?.toSummary();
        return { objectId: m.object.dn, result: resultOf(member).result, action: capital(member?.provisioningAction ?? 'other'), targetId: member?.targetIdentity.id ?? null };
      }),
    } : {}),
    statusInfo: {
      status: outcome.result,
      errorCode: error?.errorCode ?? null,
      reason: error?.reason ?? null,
      additionalDetails: error?.additionalDetails ?? null,
      errorCategory: error?.errorCategory ?? null,
      recommendedAction: error?.recommendedAction ?? null,
    },
  };
  return { key: JSON.stringify(outcome), value: JSON.stringify(value) };
}

/** Runs one object now through the engine (SyncEngine.provisionOnDemand). */
export type OnDemandRunner = (tenantId: string, jobId: string, subject: OnDemandSubject) => Promise<OnDemandResult>;

/** Graph's limit for provisionOnDemand: 5 requests per 10 seconds (per job here). */
export const ON_DEMAND_LIMIT = { requests: 5, windowMs: 10_000 } as const;

/** The engine's refusals as Graph errors; anything else is left to the generic handler. */
export function onDemandError(error: unknown): unknown {
  if (!isCanopyError(error)) return error;
  switch (error.code) {
    case 'ERR_ENGINE_ON_DEMAND_INVALID':
    case 'ERR_ENGINE_SCHEMA_INVALID':
    case 'ERR_CONFIG_INVALID':
      return badRequest(error.message);
    case 'ERR_ENGINE_OBJECT_NOT_FOUND':
      return new GraphError(404, 'Request_ResourceNotFound', error.message);
    case 'ERR_RELAY_NO_AGENT':
    case 'ERR_RELAY_TIMEOUT':
    case 'ERR_RELAY_AGENT_LOST':
    case 'ERR_ENGINE_SOURCE_INVALID':
      return new GraphError(503, 'ServiceUnavailable', `Active Directory could not be read through the agent: ${error.message}`);
    default:
      return error;
  }
}
