/**
 * Batched reads for one page: the cloud objects the page's known source objects are joined
 * to, and those carrying the page's anchors, fetched with a few `id in (…)` /
 * `onPremisesImmutableId in (…)` queries instead of one query per object. Matching reads
 * through this (MatchLookup); what the prefetch did not cover falls through to the
 * transaction.
 *
 * Coherence within the page: an entry is served once and then dropped, so an object seen
 * twice in a page, or anything the page wrote in between, is read from the transaction.
 * Soft-match keys (mail, UPN, proxy address) of the page's new users are prefetched too
 * (soft-match-keys.ts), and kept coherent by forgetting what the page's writes touch.
 */
import type { DirectoryReader, Predicate } from '../directory/store.ts';
import type { DirectoryGroup, DirectoryUser } from '../directory/types.ts';
import type { MatchLookup } from './matching.ts';
import { SoftMatchKeys, type SoftKeyKind } from './soft-match-keys.ts';

/** Graph $top bound of the store's list queries. */
const CHUNK = 1000;

type Reader = Pick<DirectoryReader, 'listUsers' | 'listGroups' | 'findUser' | 'findUsers' | 'findGroup' | 'getUser' | 'getGroup'>;

async function listIn<T>(
  list: (query: { limit: number; filter: Predicate; deleted: boolean }) => Promise<{ items: readonly T[] }>,
  property: string,
  values: readonly string[],
): Promise<T[]> {
  const found: T[] = [];
  for (let i = 0; i < values.length; i += CHUNK) {
    const chunk = values.slice(i, i + CHUNK);
    for (const deleted of [false, true]) {
      const filter: Predicate = { op: 'in', property, values: chunk };
      found.push(...(await list({ limit: CHUNK, filter, deleted })).items);
    }
  }
  return found;
}

export class PageLookup implements MatchLookup {
  readonly #tx: Reader;
  readonly #tenantId: string;
  readonly #usersById = new Map<string, DirectoryUser>();
  readonly #groupsById = new Map<string, DirectoryGroup>();
  /** Anchor → object, or null when the prefetch found none. */
  readonly #usersByAnchor = new Map<string, DirectoryUser | null>();
  readonly #groupsByAnchor = new Map<string, DirectoryGroup | null>();
  /** Report the page's user writes here (observeUserWrites), so soft-match answers stay true. */
  readonly softKeys = new SoftMatchKeys();

  private constructor(tx: Reader, tenantId: string) {
    this.#tx = tx;
    this.#tenantId = tenantId;
  }

  static async prefetch(
    tx: Reader,
    tenantId: string,
    wanted: {
      userIds: readonly string[]; groupIds: readonly string[]; userAnchors: readonly string[]; groupAnchors: readonly string[];
      soft?: Readonly<Record<SoftKeyKind, readonly string[]>>;
    },
  ): Promise<PageLookup> {
    const lookup = new PageLookup(tx, tenantId);
    const users = (query: Parameters<Reader['listUsers']>[1]) => tx.listUsers(tenantId, query);
    const groups = (query: Parameters<Reader['listGroups']>[1]) => tx.listGroups(tenantId, query);
    for (const u of await listIn(users, 'id', [...new Set(wanted.userIds)])) lookup.#usersById.set(u.id, u);
    for (const g of await listIn(groups, 'id', [...new Set(wanted.groupIds)])) lookup.#groupsById.set(g.id, g);
    const userAnchors = [...new Set(wanted.userAnchors)];
    for (const a of userAnchors) lookup.#usersByAnchor.set(a, null);
    for (const u of await listIn(users, 'onPremisesImmutableId', userAnchors)) lookup.#usersByAnchor.set(u.onPremisesImmutableId!, u);
    const groupAnchors = [...new Set(wanted.groupAnchors)];
    for (const a of groupAnchors) lookup.#groupsByAnchor.set(a, null);
    for (const g of await listIn(groups, 'sourceAnchor', groupAnchors)) lookup.#groupsByAnchor.set(g.sourceAnchor!, g);
    if (wanted.soft) await lookup.softKeys.prefetch(tx, tenantId, wanted.soft);
    return lookup;
  }

  async getUser(tenantId: string, id: string, options?: { includeDeleted?: boolean }): Promise<DirectoryUser | undefined> {
    const hit = tenantId === this.#tenantId ? this.#usersById.get(id) : undefined;
    if (!hit) return this.#tx.getUser(tenantId, id, options);
    this.#usersById.delete(id);
    return hit.deletedDateTime !== null && !options?.includeDeleted ? undefined : hit;
  }

  async getGroup(tenantId: string, id: string, options?: { includeDeleted?: boolean }): Promise<DirectoryGroup | undefined> {
    const hit = tenantId === this.#tenantId ? this.#groupsById.get(id) : undefined;
    if (!hit) return this.#tx.getGroup(tenantId, id, options);
    this.#groupsById.delete(id);
    return hit.deletedDateTime !== null && !options?.includeDeleted ? undefined : hit;
  }

  async findUser(tenantId: string, lookup: Parameters<Reader['findUser']>[1]): Promise<DirectoryUser | undefined> {
    if (tenantId === this.#tenantId && 'onPremisesImmutableId' in lookup && this.#usersByAnchor.has(lookup.onPremisesImmutableId)) {
      const hit = this.#usersByAnchor.get(lookup.onPremisesImmutableId) ?? undefined;
      this.#usersByAnchor.delete(lookup.onPremisesImmutableId);
      return hit;
    }
    if (tenantId === this.#tenantId) {
      const soft = 'mail' in lookup ? this.softKeys.find('mail', lookup.mail)
        : 'userPrincipalName' in lookup ? this.softKeys.find('userPrincipalName', lookup.userPrincipalName)
          : 'proxyAddress' in lookup ? this.softKeys.find('proxyAddress', lookup.proxyAddress)
            : 'miss';
      if (soft !== 'miss') return soft;
    }
    return this.#tx.findUser(tenantId, lookup);
  }

  async findGroup(tenantId: string, lookup: Parameters<Reader['findGroup']>[1]): Promise<DirectoryGroup | undefined> {
    if (tenantId === this.#tenantId && 'sourceAnchor' in lookup && this.#groupsByAnchor.has(lookup.sourceAnchor)) {
      const hit = this.#groupsByAnchor.get(lookup.sourceAnchor) ?? undefined;
      this.#groupsByAnchor.delete(lookup.sourceAnchor);
      return hit;
    }
    return this.#tx.findGroup(tenantId, lookup);
  }
}
