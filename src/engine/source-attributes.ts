/**
 * How mappings read a source object: AD attributes by their LDAP name (case-insensitive, as
 * LDAP attribute descriptions are, RFC 4512 §2.5), and the identity fields the `ad` part
 * decodes (objectGUID, objectSid, …). Mappings that compute (accountEnabled, the anchor,
 * the domain name, …) are expressions in the schema (default-schema.ts), not code here.
 *
 * Values are text, as AdObject carries them. `undefined` means "not known": a partial
 * (incremental) change that did not touch the attribute. `[]` means "known to be empty".
 */
import type { AdObject } from '../core/ad-object.ts';

export interface SourceView {
  readonly object: AdObject;
  /** true when `object.attributes` holds every attribute read (a full read). */
  readonly complete: boolean;
  /** The anchor the engine resolved (remembered for known objects, never recomputed). */
  readonly anchor: string;
}

/** Per object: a lower-case index of its attribute names, built once. */
const indexes = new WeakMap<AdObject, Map<string, readonly string[]>>();

function indexOf(object: AdObject): Map<string, readonly string[]> {
  let index = indexes.get(object);
  if (!index) {
    index = new Map();
    for (const [name, values] of Object.entries(object.attributes)) index.set(name.toLowerCase(), values);
    indexes.set(object, index);
  }
  return index;
}

/** An AD attribute or identity field by LDAP name, GUIDs as canonical text. */
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

/**
 * What a mapping reads for an attribute: as readAttribute, except that the binary GUIDs
 * (objectGUID, ms-DS-ConsistencyGuid) are base64 of their bytes, as Graph shows binary
 * values; and sourceAnchor is the engine's anchor for the object, fixed at its first sync.
 */
export function readMappedAttribute(view: SourceView, name: string): readonly string[] | undefined {
  // The anchor the engine resolved and remembers (default-schema.ts, ANCHOR_MAPPING).
  if (name.toLowerCase() === 'sourceanchor') return [view.anchor];
  const values = readAttribute(view, name);
  const lower = name.toLowerCase();
  if (values === undefined || (lower !== 'objectguid' && lower !== 'ms-ds-consistencyguid')) return values;
  return values.map((v) => (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v) ? immutableIdOf(v) : v));
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
