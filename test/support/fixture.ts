/**
 * The fixture forest the test DC holds, described by scripts/fixture/generate.ts
 * independently of any LDAP read: tests compare what they read against it.
 *
 *   const fixture = loadFixture();          // for the DC in CANOPY_TEST_AD_*
 *   const byDn = indexByDn(fixture.objects);
 *   byDn.get(normalizeDn(entry.dn))         // DNs compare case-insensitively, any escaping
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateFixture } from '../../scripts/fixture/generate.ts';
import { normalizeDn } from '../../scripts/fixture/dn.ts';
import type { FixtureDescription, FixtureObject } from '../../scripts/fixture/model.ts';
import { adEnv, type AdTestEnv } from './ad-env.ts';

export { normalizeDn, parseDn, escapeRdnValue, canonicalDn, rdnValue } from '../../scripts/fixture/dn.ts';
export { generateFixture } from '../../scripts/fixture/generate.ts';
export type { FixtureDescription, FixtureObject, ExcludedObject, FixtureKind } from '../../scripts/fixture/model.ts';
export { BINARY_ATTRIBUTES, GROUP_TYPE, UAC } from '../../scripts/fixture/model.ts';

const cache = new Map<string, FixtureDescription>();

/**
 * The description of the fixture loaded into the test DC. Reads expected.json from
 * CANOPY_TEST_AD_FIXTURE_DIR when it was written for this domain (it then also reflects a
 * non-default user count), else generates it from the base DN and domain (same result).
 */
export function loadFixture(env: Pick<AdTestEnv, 'baseDn' | 'domain' | 'fixtureDir'> = adEnv()): FixtureDescription {
  const key = `${normalizeDn(env.baseDn)}|${env.domain.toLowerCase()}|${env.fixtureDir ?? ''}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let description: FixtureDescription | undefined;
  const file = env.fixtureDir ? join(env.fixtureDir, 'expected.json') : undefined;
  if (file && existsSync(file)) {
    try {
      const read = JSON.parse(readFileSync(file, 'utf8')) as FixtureDescription;
      if (read.version === 1 && sameDn(read.baseDn, env.baseDn) && read.domain === env.domain.toLowerCase()) description = read;
    } catch {
      // Unreadable: fall back to generating it, which gives the same description.
    }
  }
  description ??= generateFixture({ baseDn: env.baseDn, domain: env.domain });
  cache.set(key, description);
  return description;
}

/** true when two DN strings name the same entry (RFC 4514 escaping and case ignored). */
export function sameDn(a: string, b: string): boolean {
  return normalizeDn(a) === normalizeDn(b);
}

/** Objects by normalizeDn(dn). */
export function indexByDn(objects: readonly FixtureObject[]): Map<string, FixtureObject> {
  return new Map(objects.map((o) => [normalizeDn(o.dn), o]));
}

/** What a sync scoped to OU=Canopy Fixture reads (the root OU included). */
export function inScopeObjects(fixture: FixtureDescription): FixtureObject[] {
  return fixture.objects.filter((o) => o.scope === 'in');
}

/** What lies under OU=Canopy Outside (the OU included): never read when scoped to the root. */
export function outsideObjects(fixture: FixtureDescription): FixtureObject[] {
  return fixture.objects.filter((o) => o.scope === 'outside');
}

/** The object with this sAMAccountName (case-insensitive), if any. */
export function findBySam(fixture: FixtureDescription, sam: string): FixtureObject | undefined {
  const wanted = sam.toLowerCase();
  return fixture.objects.find((o) => o.attributes.sAMAccountName?.[0]?.toLowerCase() === wanted);
}

/** The one object with this DN; throws when the fixture has none. */
export function objectAt(fixture: FixtureDescription, dn: string): FixtureObject {
  const found = fixture.objects.find((o) => sameDn(o.dn, dn));
  if (!found) throw new Error(`the fixture has no object ${dn}`);
  return found;
}
