/**
 * ChangeSource over the agent's SCIM service (docs/protocol.md, "The delta operation"),
 * reached through whatever carries a request to an agent of the job's domain — the relay
 * in `canopy serve` (`relay.request.bind(relay)` has this shape), a direct handler in tests.
 *
 * Each /Delta response becomes one SourcePage; its resources become AD-shaped objects again
 * (attributes by LDAP name) so the mapping reads the same names whatever the transport.
 * References arrive as objectGUIDs (members, manager); the engine resolves both forms.
 */
import { CanopyError, type CanopyErrorCode } from '../core/errors.ts';
import { CUSTOM_ATTRIBUTES } from '../core/custom-attributes.ts';
import type { AdChange, AdObject, AdObjectClass, AdResetReason } from '../core/ad-object.ts';
import type { AdSchemaDiscovery } from '../core/ad-schema.ts';
import type { ChangeSource, CycleJob, SourcePage } from './ports.ts';

export interface ScimSendRequest {
  readonly domain: string;
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
}

export interface ScimSendResponse {
  readonly status: number;
  readonly body?: unknown;
}

/** Carries one SCIM request to an agent serving (tenant, domain) and returns its answer. */
export type ScimSend = (tenantId: string, request: ScimSendRequest) => Promise<ScimSendResponse>;

export interface ScimChangeSourceOptions {
  /** Entries per /Delta response (the service caps it at its maxDeltaSize). Default 1000. */
  readonly pageSize?: number;
}

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const AD = 'urn:canopy:params:scim:schemas:extension:ad:2.0:Object';

type Json = Record<string, unknown>;
type Attributes = Record<string, readonly string[]>;

interface DeltaBody {
  watermark?: unknown;
  more?: unknown;
  reset?: unknown;
  Resources?: unknown;
}

/** AD faults the agent names in a 503's detail (agent/scim-service.ts), kept as the error's code. */
const AD_FAULTS = new Set<CanopyErrorCode>(['ERR_AD_INVALID_CREDENTIALS', 'ERR_AD_UNREACHABLE', 'ERR_AD_TIMEOUT', 'ERR_AD_TLS', 'ERR_AD_TLS_UNTRUSTED', 'ERR_AD_INSUFFICIENT_RIGHTS']);

function scimFailure(response: ScimSendResponse, what: string): CanopyError {
  const body = (response.body ?? {}) as { detail?: unknown; scimType?: unknown };
  const detail = typeof body.detail === 'string' ? body.detail : `status ${response.status}`;
  const named = /\((ERR_AD_[A-Z_]+)\)/.exec(detail)?.[1] as CanopyErrorCode | undefined;
  const code = response.status === 503 && named && AD_FAULTS.has(named) ? named : 'ERR_ENGINE_SOURCE_INVALID';
  return new CanopyError(code, `${what}: ${detail}${typeof body.scimType === 'string' ? ` (${body.scimType})` : ''}`);
}

/** Sets an attribute from a SCIM value: undefined = not in the change, null = cleared. */
function put(attributes: Attributes, name: string, value: unknown): void {
  if (value === undefined) return;
  if (value === null) attributes[name] = [];
  else if (Array.isArray(value)) attributes[name] = value.filter((v) => v !== null && v !== undefined).map(String);
  else attributes[name] = [String(value)];
}

function sub(value: unknown, key: string): unknown {
  if (value === null) return null;
  if (value === undefined || typeof value !== 'object') return undefined;
  return (value as Json)[key];
}

function references(value: unknown): string[] | null | undefined {
  if (value === undefined || value === null) return value;
  if (!Array.isArray(value)) return undefined;
  return value.map((ref) => String((ref as Json).value)).filter((v) => v !== 'undefined');
}

function objectClassOf(chain: readonly string[], isGroup: boolean): AdObjectClass {
  const lower = chain.map((c) => c.toLowerCase());
  if (lower.includes('computer')) return 'computer';
  if (isGroup || lower.includes('group')) return 'group';
  return 'user';
}

function userAttributes(resource: Json, ad: Json, partial: boolean, attributes: Attributes): void {
  put(attributes, 'userPrincipalName', ad.userPrincipalName);
  put(attributes, 'displayName', resource.displayName);
  put(attributes, 'title', resource.title);
  put(attributes, 'employeeType', resource.userType);
  put(attributes, 'preferredLanguage', resource.preferredLanguage);
  put(attributes, 'givenName', sub(resource.name, 'givenName'));
  put(attributes, 'sn', sub(resource.name, 'familyName'));
  put(attributes, 'middleName', sub(resource.name, 'middleName'));
  put(attributes, 'userAccountControl', ad.userAccountControl);
  put(attributes, 'co', ad.co);
  for (const name of CUSTOM_ATTRIBUTES) put(attributes, name, ad[name]);
  const address = Array.isArray(resource.addresses) ? (resource.addresses[0] as Json | undefined) : resource.addresses;
  for (const [scim, name] of [['streetAddress', 'streetAddress'], ['locality', 'l'], ['region', 'st'], ['postalCode', 'postalCode'], ['country', 'c']] as const) {
    const value = sub(address, scim);
    put(attributes, name, value === undefined && !partial ? null : value);
  }
  const phones = resource.phoneNumbers;
  for (const [type, name] of [['work', 'telephoneNumber'], ['mobile', 'mobile'], ['fax', 'facsimileTelephoneNumber']] as const) {
    const entry = Array.isArray(phones) ? (phones as Json[]).find((p) => p.type === type) : undefined;
    // In a partial change only the numbers it carries are known; a whole resource lists all.
    if (entry) put(attributes, name, entry.value);
    else if (phones === null || !partial) put(attributes, name, null);
  }
  const enterprise = resource[ENTERPRISE] as Json | undefined;
  put(attributes, 'employeeID', sub(enterprise, 'employeeNumber'));
  put(attributes, 'company', sub(enterprise, 'organization'));
  put(attributes, 'division', sub(enterprise, 'division'));
  put(attributes, 'department', sub(enterprise, 'department'));
  const manager = sub(enterprise, 'manager');
  put(attributes, 'manager', manager === null ? null : sub(manager, 'value'));
}

/** One delta entry as an AdChange; undefined for entries that are neither users nor groups. */
export function changeFromScim(resource: Json): AdChange | undefined {
  const id = String(resource.id ?? '').toLowerCase();
  if (resource.deleted === true) {
    const reason = resource.reason === 'out-of-scope' ? 'out-of-scope' : 'deleted';
    const type = sub(resource.meta, 'resourceType');
    const objectClass = type === 'User' ? 'user' : type === 'Group' ? 'group' : undefined;
    return {
      kind: 'delete',
      objectGuid: id,
      reason,
      ...(typeof resource.distinguishedName === 'string' ? { dn: resource.distinguishedName } : {}),
      ...(objectClass ? { objectClass } : {}),
    };
  }
  const schemas = Array.isArray(resource.schemas) ? (resource.schemas as string[]) : [];
  const isGroup = schemas.includes(CORE_GROUP) || sub(resource.meta, 'resourceType') === 'Group';
  if (!isGroup && !schemas.includes(CORE_USER) && sub(resource.meta, 'resourceType') !== 'User') return undefined;
  const ad = (resource[AD] ?? {}) as Json;
  const partial = resource.partial === true;
  const attributes: Attributes = {};
  put(attributes, 'sAMAccountName', ad.sAMAccountName);
  put(attributes, 'cn', ad.cn);
  put(attributes, 'description', ad.description);
  put(attributes, 'mail', ad.mail);
  put(attributes, 'mailNickname', ad.mailNickname);
  put(attributes, 'proxyAddresses', ad.proxyAddresses);
  put(attributes, 'whenCreated', ad.whenCreated);
  put(attributes, 'whenChanged', ad.whenChanged);
  if (isGroup) {
    // The core displayName falls back to cn; the AD extension has AD's own (absent: none).
    put(attributes, 'displayName', 'displayName' in ad ? ad.displayName : partial ? undefined : null);
    put(attributes, 'groupType', ad.groupType);
    const members = references(resource.members);
    if (members !== undefined) attributes.member = members ?? [];
  } else {
    userAttributes(resource, ad, partial, attributes);
  }
  const chain = Array.isArray(ad.objectClass) ? (ad.objectClass as string[]) : [];
  const object: AdObject = {
    dn: String(ad.distinguishedName ?? ''),
    objectGuid: String(ad.objectGUID ?? id).toLowerCase(),
    objectClass: objectClassOf(chain, isGroup),
    objectClasses: chain.length > 0 ? chain : [isGroup ? 'group' : 'user'],
    ...(typeof ad.objectSid === 'string' ? { objectSid: ad.objectSid } : {}),
    ...(typeof ad.msDsConsistencyGuid === 'string' ? { consistencyGuid: ad.msDsConsistencyGuid.toLowerCase() } : {}),
    attributes,
  };
  const memberChanges = resource.memberChanges as { added?: unknown; removed?: unknown } | undefined;
  return {
    kind: 'upsert',
    object,
    complete: !partial,
    ...(memberChanges ? { memberChanges: { added: references(memberChanges.added) ?? [], removed: references(memberChanges.removed) ?? [] } } : {}),
  };
}

export function createScimChangeSource(send: ScimSend, options: ScimChangeSourceOptions = {}): ChangeSource {
  const count = String(options.pageSize ?? 1000);

  async function get(job: CycleJob, path: string, query: Record<string, string>): Promise<ScimSendResponse> {
    return send(job.tenantId, { domain: job.domain, method: 'GET', path, query });
  }

  return {
    async *readDelta(job, watermark, signal) {
      let position = watermark || undefined;
      let restarted: AdResetReason | undefined;
      for (;;) {
        signal?.throwIfAborted();
        const response = await get(job, '/Delta', { count, ...(position ? { watermark: position } : {}) });
        if (response.status === 400 && position !== undefined && position === watermark && (response.body as Json | undefined)?.scimType === 'invalidValue') {
          // The agent can no longer use our watermark: start again with a full read, which
          // the engine treats as a re-read (objects it no longer returns are deleted).
          position = undefined;
          restarted = 'initial';
          continue;
        }
        if (response.status < 200 || response.status > 299) throw scimFailure(response, 'the agent refused a delta read');
        const body = (response.body ?? {}) as DeltaBody;
        if (typeof body.watermark !== 'string' || !Array.isArray(body.Resources)) {
          throw new CanopyError('ERR_ENGINE_SOURCE_INVALID', 'the agent answered /Delta without a watermark or Resources');
        }
        const changes: AdChange[] = [];
        for (const resource of body.Resources as Json[]) {
          const change = changeFromScim(resource);
          if (change) changes.push(change);
        }
        const reset = (typeof body.reset === 'string' ? body.reset : restarted) as AdResetReason | undefined;
        const page: SourcePage = { changes, watermark: body.watermark, more: body.more === true, ...(reset ? { reset } : {}) };
        yield page;
        if (!page.more) return;
        position = body.watermark;
      }
    },

    async readObject(job, objectGuid) {
      for (const path of [`/Users/${objectGuid}`, `/Groups/${objectGuid}`]) {
        const response = await get(job, path, {});
        if (response.status === 404) continue;
        if (response.status < 200 || response.status > 299) throw scimFailure(response, `the agent could not read ${objectGuid}`);
        const change = changeFromScim(response.body as Json);
        return change?.kind === 'upsert' ? change.object : undefined;
      }
      return undefined;
    },

    async readSchema(job, classNames) {
      const response = await get(job, '/AdSchema', { classes: classNames.join(',') });
      if (response.status < 200 || response.status > 299) throw scimFailure(response, 'the agent could not read the AD schema');
      const body = response.body as Partial<AdSchemaDiscovery> | undefined;
      if (typeof body?.schemaNamingContext !== 'string' || !Array.isArray(body.classes)) {
        throw new CanopyError('ERR_ENGINE_SOURCE_INVALID', 'the agent answered /AdSchema without schemaNamingContext or classes');
      }
      return body as AdSchemaDiscovery;
    },

    async readObjectByDn(job, dn) {
      // The AD extension's distinguishedName is filterable (agent/scim/filter-map.ts); a SCIM
      // filter's compValue is a JSON string (RFC 7644 §3.4.2.2), so JSON escaping is its escaping.
      const filter = `${AD}:distinguishedName eq ${JSON.stringify(dn)}`;
      for (const path of ['/Users', '/Groups']) {
        const response = await get(job, path, { filter, count: '1' });
        if (response.status < 200 || response.status > 299) throw scimFailure(response, `the agent could not read ${dn}`);
        const found = ((response.body ?? {}) as { Resources?: unknown }).Resources;
        const resource = Array.isArray(found) ? (found[0] as Json | undefined) : undefined;
        if (!resource) continue;
        const change = changeFromScim(resource);
        return change?.kind === 'upsert' ? change.object : undefined;
      }
      return undefined;
    },
  };
}
