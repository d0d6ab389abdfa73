/**
 * AdObject → SCIM User / Group (RFC 7643 §4) with the enterprise extension (§4.3) and
 * Canopy's AD extension. A complete object gives a complete resource; a partial one (an
 * incremental change holding only changed attributes) gives only the attributes whose AD
 * sources changed, `null` for the cleared ones.
 */
import { guidToBase64 } from '../../ad/decode.ts';
import { parentDn } from '../../ad/dn.ts';
import { sourceAnchorGuid, type AdObject } from '../../core/ad-object.ts';
import { CUSTOM_ATTRIBUTES } from '../../core/custom-attributes.ts';
import { CANOPY_AD_OBJECT, CORE_GROUP, CORE_USER, ENTERPRISE_USER } from '../../scim/urns.ts';
import { AdValues, compact, type Read } from './ad-values.ts';
import type { MemberRef, MemberResolver } from './member-resolver.ts';

export interface BuildOptions {
  /** The object holds only changed attributes. */
  readonly partial: boolean;
  readonly resolver: MemberResolver;
  /** Resolve group members (false when the client did not ask for them). Default true. */
  readonly members?: boolean;
  /** Incremental reads: the attributes the DC reported changed (cleared ones included). */
  readonly changedAttributes?: readonly string[] | undefined;
}

export type ScimResource = Record<string, unknown> & { readonly id: string; readonly schemas: readonly string[] };

export async function userResource(object: AdObject, options: BuildOptions): Promise<ScimResource> {
  const v = new AdValues(object, options.partial ? options.changedAttributes : undefined);
  const upn = v.text('userPrincipalName');
  const sam = v.text('sAMAccountName');
  const userAccountControl = v.integer('userAccountControl');
  const mail = v.text('mail');
  const enterprise = compact({
    employeeNumber: v.text('employeeID'),
    organization: v.text('company'),
    division: v.text('division'),
    department: v.text('department'),
    manager: await manager(v, options.resolver),
  });
  const name = group(options.partial, { givenName: v.text('givenName'), familyName: v.text('sn'), middleName: v.text('middleName') });
  const phoneNumbers = typedValues([
    [v.text('telephoneNumber'), 'work'],
    [v.text('mobile'), 'mobile'],
    [v.text('facsimileTelephoneNumber'), 'fax'],
  ]);
  const address = group(options.partial, {
    streetAddress: v.text('streetAddress'),
    locality: v.text('l'),
    region: v.text('st'),
    postalCode: v.text('postalCode'),
    country: v.text('c'),
  });
  const resource = compact({
    id: object.objectGuid,
    externalId: anchorGuid(object, options.partial),
    userName: userName(upn, sam, options.partial),
    name,
    displayName: v.text('displayName'),
    title: v.text('title'),
    userType: v.text('employeeType'),
    preferredLanguage: v.text('preferredLanguage'),
    // MS-ADTS 2.2.16: ACCOUNTDISABLE (0x2).
    active: userAccountControl == null ? undefined : (userAccountControl & 0x2) === 0,
    emails: mail === undefined ? undefined : mail === null ? null : [{ value: mail, type: 'work', primary: true }],
    phoneNumbers: options.partial && !['telephoneNumber', 'mobile', 'facsimileTelephoneNumber'].some((n) => v.has(n)) ? undefined : phoneNumbers,
    addresses: address === undefined ? undefined : address === null ? null : [{ ...address, type: 'work', primary: true }],
  });
  const ad = adExtension(object, v, options.partial, {
    userPrincipalName: upn,
    userAccountControl,
    co: v.text('co'),
    ...customAttributes(v, options.partial),
  });
  return assemble(object, v, 'User', CORE_USER, resource, { [ENTERPRISE_USER]: enterprise, [CANOPY_AD_OBJECT]: ad });
}

export async function groupResource(object: AdObject, options: BuildOptions): Promise<ScimResource> {
  const v = new AdValues(object, options.partial ? options.changedAttributes : undefined);
  const groupType = v.integer('groupType');
  const displayName = v.text('displayName') ?? v.text('cn') ?? (options.partial ? undefined : v.text('sAMAccountName') ?? rdnValue(object.dn));
  const memberDns = v.all('member');
  let members: MemberRef[] | null | undefined;
  if (memberDns === null) members = options.partial ? null : [];
  else if (memberDns !== undefined) members = options.members === false ? undefined : await options.resolver.resolve(memberDns);
  else if (!options.partial) members = [];
  const resource = compact({
    id: object.objectGuid,
    externalId: anchorGuid(object, options.partial),
    displayName,
    members,
  });
  const ad = adExtension(object, v, options.partial, {
    // The core displayName falls back to cn (it is required); this is AD's own value.
    displayName: v.text('displayName'),
    groupType,
    // MS-ADTS 2.2.12 GROUP_TYPE_SECURITY_ENABLED.
    securityEnabled: groupType == null ? groupType : (groupType & 0x80000000) !== 0,
  });
  return assemble(object, v, 'Group', CORE_GROUP, resource, { [CANOPY_AD_OBJECT]: ad });
}

/**
 * The resource with its schemas, the extensions that hold something, and meta. `v` is the
 * builder's own AdValues (its times converted once); a time cleared in a partial change
 * reads as null there and is left out of meta, as an absent one is.
 */
function assemble(object: AdObject, v: AdValues, type: 'User' | 'Group', core: string, resource: Record<string, unknown>, extensions: Record<string, Record<string, unknown>>): ScimResource {
  const schemas = [core];
  const out: Record<string, unknown> = { schemas };
  for (const key in resource) out[key] = resource[key];
  for (const urn in extensions) {
    const extension = extensions[urn] as Record<string, unknown>;
    if (!isEmpty(extension)) {
      schemas.push(urn);
      out[urn] = extension;
    }
  }
  out.meta = compact({
    resourceType: type,
    created: v.time('whenCreated') ?? undefined,
    lastModified: v.time('whenChanged') ?? undefined,
    location: `/${type}s/${object.objectGuid}`,
  });
  return out as ScimResource;
}

function isEmpty(object: Record<string, unknown>): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return false;
  return true;
}

/**
 * extensionAttribute1–15 and msDS-cloudExtensionAttribute1–20, the attributes cloud sync lets
 * mappings read for directory extensions. Only the ones set are sent (a partial change also
 * sends the ones it cleared, as null), so a whole resource does not carry 35 empty values.
 */
function customAttributes(v: AdValues, partial: boolean): Record<string, Read<string>> {
  const out: Record<string, Read<string>> = {};
  for (const name of CUSTOM_ATTRIBUTES) {
    const value = v.text(name);
    if (value === undefined || (value === null && !partial)) continue;
    out[name] = value;
  }
  return out;
}

function adExtension(object: AdObject, v: AdValues, partial: boolean, specific: Record<string, Read<string | number | boolean>>): Record<string, unknown> {
  const anchorKnown = !partial || object.consistencyGuid !== undefined;
  return compact({
    objectGUID: object.objectGuid,
    msDsConsistencyGuid: object.consistencyGuid,
    sourceAnchor: anchorKnown ? guidToBase64(sourceAnchorGuid(object)) : undefined,
    objectSid: object.objectSid,
    distinguishedName: object.dn,
    parentDn: parentDn(object.dn),
    sAMAccountName: v.text('sAMAccountName'),
    cn: v.text('cn'),
    description: v.text('description'),
    ...specific,
    mail: v.text('mail'),
    mailNickname: v.text('mailNickname'),
    proxyAddresses: v.all('proxyAddresses'),
    objectClass: object.objectClasses.length > 0 ? object.objectClasses : undefined,
    whenCreated: v.time('whenCreated'),
    whenChanged: v.time('whenChanged'),
    uSNChanged: v.integer('uSNChanged'),
  });
}

/**
 * userPrincipalName, else sAMAccountName (RFC 7643 §4.1.1: userName is REQUIRED, and not
 * every AD account has a UPN). In a partial change a new sAMAccountName says nothing of
 * userName unless the UPN was cleared in the same change.
 */
function userName(upn: Read<string>, sam: Read<string>, partial: boolean): string | undefined {
  if (typeof upn === 'string') return upn;
  if (partial && upn === undefined) return undefined;
  return sam ?? undefined;
}

/** externalId is the source anchor as a GUID string; in a partial change only when it is known. */
function anchorGuid(object: AdObject, partial: boolean): string | undefined {
  if (partial && object.consistencyGuid === undefined) return undefined;
  return sourceAnchorGuid(object);
}

async function manager(v: AdValues, resolver: MemberResolver): Promise<Read<Record<string, string>>> {
  const dn = v.text('manager');
  if (dn == null) return dn;
  const [ref] = await resolver.resolve([dn]);
  if (!ref) return undefined;
  return compact({ value: ref.value, $ref: ref.$ref, displayName: ref.display }) as Record<string, string>;
}

/** A complex value from sub-attributes: undefined if none was read, null if all were cleared. */
function group(partial: boolean, parts: Record<string, Read<string>>): Read<Record<string, string>> {
  let read = 0;
  let set = 0;
  for (const key in parts) {
    const value = parts[key];
    if (value === undefined) continue;
    read += 1;
    if (value !== null) set += 1;
  }
  if (read === 0) return undefined;
  if (set === 0) return partial ? null : undefined;
  // In a partial change, keep nulls for cleared parts so that they clear too.
  const out: Record<string, string | null> = {};
  for (const key in parts) {
    const value = parts[key];
    if (value !== undefined && (partial || value !== null)) out[key] = value;
  }
  return out as Record<string, string>;
}

function typedValues(values: readonly [Read<string>, string][]): { value: string; type: string }[] | undefined {
  const out = values.filter((entry): entry is [string, string] => typeof entry[0] === 'string').map(([value, type]) => ({ value, type }));
  return out.length > 0 ? out : undefined;
}

function rdnValue(dn: string): string {
  const match = /^[^=]+=((?:\\.|[^,])*)/.exec(dn);
  return (match?.[1] ?? dn).replace(/\\(.)/g, '$1');
}
