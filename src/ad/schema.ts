/**
 * Reads the forest's schema for schema discovery (Graph directoryDefinition: discover): the
 * classSchema objects of the schema naming context give each class its superclass
 * (subClassOf), auxiliary classes and must/may attributes, and the attributeSchema objects
 * give each attribute its syntax and whether it is single-valued (MS-ADTS 3.1.1.2). A class
 * may hold what it and every class above it (to `top`) and every auxiliary class of those
 * (with theirs) list; AD names all of them by lDAPDisplayName over LDAP.
 */
import type { Client, Entry } from 'ldapts';
import type { AdAttributeSchema, AdClassSchema, AdSchemaDiscovery } from '../core/ad-schema.ts';
import { CanopyError } from '../core/errors.ts';
import { pagedEntries, searchEntries } from './search.ts';

const CLASS_ATTRIBUTES = ['lDAPDisplayName', 'subClassOf', 'auxiliaryClass', 'systemAuxiliaryClass', 'mustContain', 'systemMustContain', 'mayContain', 'systemMayContain'];
const ATTRIBUTE_ATTRIBUTES = ['lDAPDisplayName', 'attributeSyntax', 'oMSyntax', 'isSingleValued'];

interface ClassEntry {
  readonly name: string;
  readonly superclass: string | undefined;
  readonly auxiliary: readonly string[];
  readonly must: readonly string[];
  readonly may: readonly string[];
}

function values(entry: Entry, name: string): string[] {
  const value = entry[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

async function* schemaEntries(client: Client, base: string, objectClass: string, attributes: string[], pageSize: number): AsyncGenerator<Entry> {
  const search = { base, scope: 'one' as const, filter: `(objectClass=${objectClass})`, attributes, explicitBufferAttributes: [] };
  for await (const page of pagedEntries(client, search, pageSize)) yield* page;
}

async function schemaNamingContextOf(client: Client): Promise<string> {
  const [root] = await searchEntries(client, { base: '', scope: 'base', filter: '(objectClass=*)', attributes: ['schemaNamingContext'], explicitBufferAttributes: [] });
  const dn = root ? values(root, 'schemaNamingContext')[0] : undefined;
  if (!dn) throw new CanopyError('ERR_AD_PROTOCOL', 'the rootDSE names no schemaNamingContext');
  return dn;
}

/** Superclasses (to top) and auxiliary classes, each once, by lower-case name. */
function lineage(name: string, classes: ReadonlyMap<string, ClassEntry>, seen = new Set<string>()): Set<string> {
  const key = name.toLowerCase();
  const entry = classes.get(key);
  if (!entry || seen.has(key)) return seen;
  seen.add(key);
  if (entry.superclass && entry.superclass.toLowerCase() !== key) lineage(entry.superclass, classes, seen);
  for (const aux of entry.auxiliary) lineage(aux, classes, seen);
  return seen;
}

/**
 * The attributes each named class may hold, with their syntax. A class the schema does not
 * define is left out of the answer (the caller reports it).
 */
export async function readAdSchema(client: Client, classNames: readonly string[], pageSize = 1000): Promise<AdSchemaDiscovery> {
  const schemaNamingContext = await schemaNamingContextOf(client);
  const classes = new Map<string, ClassEntry>();
  for await (const entry of schemaEntries(client, schemaNamingContext, 'classSchema', CLASS_ATTRIBUTES, pageSize)) {
    const name = values(entry, 'lDAPDisplayName')[0];
    if (!name) continue;
    classes.set(name.toLowerCase(), {
      name,
      superclass: values(entry, 'subClassOf')[0],
      auxiliary: [...values(entry, 'auxiliaryClass'), ...values(entry, 'systemAuxiliaryClass')],
      must: [...values(entry, 'mustContain'), ...values(entry, 'systemMustContain')],
      may: [...values(entry, 'mayContain'), ...values(entry, 'systemMayContain')],
    });
  }
  const attributes = new Map<string, Omit<AdAttributeSchema, 'required'>>();
  for await (const entry of schemaEntries(client, schemaNamingContext, 'attributeSchema', ATTRIBUTE_ATTRIBUTES, pageSize)) {
    const name = values(entry, 'lDAPDisplayName')[0];
    if (!name) continue;
    attributes.set(name.toLowerCase(), {
      name,
      syntax: values(entry, 'attributeSyntax')[0] ?? '',
      oMSyntax: Number(values(entry, 'oMSyntax')[0] ?? 0),
      singleValued: values(entry, 'isSingleValued')[0]?.toUpperCase() === 'TRUE',
    });
  }
  const found: AdClassSchema[] = [];
  for (const className of classNames) {
    const own = classes.get(className.toLowerCase());
    if (!own) continue;
    const must = new Set<string>();
    const all = new Map<string, string>();
    for (const key of lineage(className, classes)) {
      const entry = classes.get(key)!;
      for (const name of entry.must) {
        must.add(name.toLowerCase());
        all.set(name.toLowerCase(), name);
      }
      for (const name of entry.may) all.set(name.toLowerCase(), name);
    }
    const list: AdAttributeSchema[] = [];
    for (const [key, name] of all) {
      const definition = attributes.get(key);
      if (definition) list.push({ ...definition, required: must.has(key) });
      else list.push({ name, syntax: '', oMSyntax: 0, singleValued: false, required: must.has(key) });
    }
    list.sort((a, b) => a.name.localeCompare(b.name, 'en'));
    found.push({ name: own.name, attributes: list });
  }
  return { schemaNamingContext, classes: found };
}
