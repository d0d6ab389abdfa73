/**
 * How mappings read a source object: AD attributes by their LDAP name (case-insensitive, as
 * LDAP attribute descriptions are, RFC 4512 §2.5), the identity fields the `ad` part decodes
 * (objectGUID, objectSid, …) and a few computed attributes that stand in for expressions
 * until the expression language lands. Each computed attribute names the expression it
 * equals, so a mapping can be rewritten to use it unchanged in meaning.
 *
 * Values are text, as AdObject carries them. `undefined` means "not known": a partial
 * (incremental) change that did not touch the attribute. `[]` means "known to be empty".
 */
import type { AdObject } from '../core/ad-object.ts';
import { dnsDomainOfDn, leafRdnValue } from '../core/dn.ts';
import type { AttributeType } from './schema/synchronization-schema.ts';

export interface SourceView {
  readonly object: AdObject;
  /** true when `object.attributes` holds every attribute read (a full read). */
  readonly complete: boolean;
  /** The anchor the engine resolved (remembered for known objects, never recomputed). */
  readonly anchor: string;
}

/** ADS_UF_ACCOUNTDISABLE (MS-ADTS 2.2.16, userAccountControl bit 0x2). */
const ACCOUNTDISABLE = 0x2;
/** GROUP_TYPE_SECURITY_ENABLED (MS-ADTS 2.2.12, groupType bit 0x80000000). */
const GROUP_TYPE_SECURITY_ENABLED = 0x80000000;

interface ComputedSpec {
  readonly appliesTo: readonly ('user' | 'group')[];
  readonly type: AttributeType;
  readonly equivalentExpression: string;
  readonly compute: (view: SourceView) => readonly string[] | undefined;
}

const bool = (value: boolean): string[] => [value ? 'True' : 'False'];

export const COMPUTED_SOURCE_ATTRIBUTES: Readonly<Record<string, ComputedSpec>> = {
  sourceAnchor: {
    appliesTo: ['user', 'group'],
    type: 'String',
    equivalentExpression: 'ConvertToBase64 of the bytes of IIF(IsPresent([ms-DS-ConsistencyGuid]), [ms-DS-ConsistencyGuid], [objectGUID])',
    compute: (view) => [view.anchor],
  },
  accountEnabled: {
    appliesTo: ['user'],
    type: 'Boolean',
    equivalentExpression: 'IIF(BitAnd([userAccountControl], 2) = 0, "True", "False")',
    compute: (view) => {
      const uac = readAttribute(view, 'userAccountControl');
      if (uac === undefined) return undefined;
      if (uac.length === 0) return bool(true);
      return bool((Number(uac[0]) & ACCOUNTDISABLE) === 0);
    },
  },
  securityEnabled: {
    appliesTo: ['group'],
    type: 'Boolean',
    equivalentExpression: 'IIF(BitAnd([groupType], 2147483648) = 0, "False", "True")',
    compute: (view) => {
      const groupType = readAttribute(view, 'groupType');
      if (groupType === undefined) return undefined;
      // groupType is a signed 32-bit integer in AD: -2147483646 is a global security group.
      return bool(groupType.length > 0 && (Number(groupType[0]) & GROUP_TYPE_SECURITY_ENABLED) !== 0);
    },
  },
  mailEnabled: {
    appliesTo: ['group'],
    type: 'Boolean',
    equivalentExpression: 'IIF(IsNullOrEmpty([mail]), "False", "True")',
    compute: (view) => {
      const mail = readAttribute(view, 'mail');
      return mail === undefined ? undefined : bool(mail.some((m) => m.trim() !== ''));
    },
  },
  domainFQDN: {
    appliesTo: ['user', 'group'],
    type: 'String',
    equivalentExpression: 'the DNS name formed by the DC= components of [distinguishedName]',
    compute: (view) => {
      const domain = dnsDomainOfDn(view.object.dn);
      return domain === undefined ? [] : [domain];
    },
  },
  displayNameOrCn: {
    appliesTo: ['user', 'group'],
    type: 'String',
    equivalentExpression: 'IIF(IsNullOrEmpty([displayName]), [cn], [displayName])',
    compute: (view) => {
      const displayName = readAttribute(view, 'displayName');
      if (displayName === undefined) return undefined;
      if (displayName.length > 0 && displayName[0]!.trim() !== '') return [displayName[0]!];
      const cn = readNative(view, 'cn') ?? leafRdnValue(view.object.dn);
      return cn === undefined ? [] : [cn];
    },
  },
};

const computedByLowerName = new Map(Object.entries(COMPUTED_SOURCE_ATTRIBUTES).map(([name, spec]) => [name.toLowerCase(), spec]));

/** Per object: a lower-case index of its attribute names, built once. */
const indexes = new WeakMap<AdObject, Map<string, readonly string[]>>();

function readNative(view: SourceView, lowerName: string): string | undefined {
  return indexOf(view.object).get(lowerName)?.[0];
}

function indexOf(object: AdObject): Map<string, readonly string[]> {
  let index = indexes.get(object);
  if (!index) {
    index = new Map();
    for (const [name, values] of Object.entries(object.attributes)) index.set(name.toLowerCase(), values);
    indexes.set(object, index);
  }
  return index;
}

/** An AD attribute or identity field by LDAP name; computed attributes are not consulted. */
export function readAttribute(view: SourceView, name: string): readonly string[] | undefined {
  const lower = name.toLowerCase();
  const object = view.object;
  switch (lower) {
    case 'objectguid':
      return [object.objectGuid];
    case 'ms-ds-consistencyguid':
      return object.consistencyGuid !== undefined ? [object.consistencyGuid] : indexOf(object).get(lower) ?? (view.complete ? [] : undefined);
    case 'objectsid':
      return object.objectSid !== undefined ? [object.objectSid] : view.complete ? [] : undefined;
    case 'distinguishedname':
      return [object.dn];
    case 'objectclass':
      return object.objectClasses;
  }
  const values = indexOf(object).get(lower);
  if (values !== undefined) return values;
  return view.complete ? [] : undefined;
}

/** What an Attribute source named `name` yields: a computed attribute first, else the AD attribute. */
export function readSourceAttribute(view: SourceView, name: string): readonly string[] | undefined {
  const computed = computedByLowerName.get(name.toLowerCase());
  return computed ? computed.compute(view) : readAttribute(view, name);
}

/** The GUID's bytes as AD stores them (MS-DTYP 2.3.4.2: first three fields little-endian). */
export function guidToBytes(guid: string): Buffer {
  const hex = guid.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`"${guid}" is not a GUID`);
  const b = Buffer.from(hex, 'hex');
  return Buffer.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8)]);
}

/** onPremisesImmutableId for an anchor GUID: base64 of its bytes, as Connect computes it. */
export function immutableIdOf(guid: string): string {
  return guidToBytes(guid).toString('base64');
}
