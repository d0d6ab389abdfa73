/**
 * Soft-match keys of one page (mail, userPrincipalName, proxy address → the users holding
 * them), read with one findUsers query per key kind instead of up to three findUser queries
 * per new user. A key the prefetch covered answers from here, with no holder as a definite
 * "none"; any other key falls through to the transaction.
 *
 * Coherence within the page: the page's own user writes go through `observeUserWrites`,
 * which forgets every key a write could have changed (the new values of a created or
 * updated user, and every key whose holder was updated, deleted or restored), so those
 * keys are read from the transaction again.
 */
import type { DirectoryReader, DirectoryTransaction, UserBatchLookup } from '../directory/store.ts';
import type { DirectoryUser } from '../directory/types.ts';

/** The soft-match kinds (a lookup by anchor is the hard match, not prefetched here). */
export type SoftKeyKind = Exclude<UserBatchLookup['by'], 'onPremisesImmutableId'>;

/** The store compares mail and UPN with SQLite's NOCASE (ASCII folding) and proxy addresses lower-cased. */
const asciiLower = (value: string) => value.replace(/[A-Z]/g, (c) => c.toLowerCase());

function keyOf(by: SoftKeyKind, value: string): string {
  if (by === 'proxyAddress') return `p:${value.toLowerCase()}`;
  return `${by === 'mail' ? 'm' : 'u'}:${asciiLower(value)}`;
}

function valuesOf(by: SoftKeyKind, user: Partial<DirectoryUser>): readonly string[] {
  if (by === 'mail') return user.mail ? [user.mail] : [];
  if (by === 'userPrincipalName') return user.userPrincipalName ? [user.userPrincipalName] : [];
  return user.proxyAddresses ?? [];
}

const KINDS: readonly SoftKeyKind[] = ['mail', 'userPrincipalName', 'proxyAddress'];

/** findUser's choice among several holders: live first, then the lowest id. */
function pick(holders: readonly DirectoryUser[]): DirectoryUser | undefined {
  let best: DirectoryUser | undefined;
  for (const user of holders) {
    if (!best) best = user;
    else if ((user.deletedDateTime === null) !== (best.deletedDateTime === null)) {
      if (user.deletedDateTime === null) best = user;
    } else if (user.id < best.id) best = user;
  }
  return best;
}

export class SoftMatchKeys {
  readonly #holders = new Map<string, DirectoryUser[]>();
  readonly #keysById = new Map<string, Set<string>>();

  async prefetch(reader: Pick<DirectoryReader, 'findUsers'>, tenantId: string, wanted: Readonly<Record<SoftKeyKind, readonly string[]>>): Promise<void> {
    for (const by of KINDS) {
      const values = wanted[by];
      if (values.length === 0) continue;
      for (const value of values) this.#holders.set(keyOf(by, value), []);
      for (const user of await reader.findUsers(tenantId, { by, values })) {
        for (const value of valuesOf(by, user)) {
          const key = keyOf(by, value);
          const holders = this.#holders.get(key);
          if (!holders || holders.some((h) => h.id === user.id)) continue;
          holders.push(user);
          let keys = this.#keysById.get(user.id);
          if (!keys) this.#keysById.set(user.id, (keys = new Set()));
          keys.add(key);
        }
      }
    }
  }

  /** The holder findUser would return, undefined for none, or 'miss' when the key was not prefetched. */
  find(by: SoftKeyKind, value: string): DirectoryUser | undefined | 'miss' {
    const holders = this.#holders.get(keyOf(by, value));
    return holders === undefined ? 'miss' : pick(holders);
  }

  /** Users the page wrote: every key they held is stale. */
  forgetIds(ids: Iterable<string>): void {
    for (const id of ids) {
      for (const key of this.#keysById.get(id) ?? []) this.#holders.delete(key);
      this.#keysById.delete(id);
    }
  }

  /** Values a write gave a user: the prefetched holders of those keys are incomplete. */
  forgetValues(user: Partial<DirectoryUser>): void {
    for (const by of KINDS) for (const value of valuesOf(by, user)) this.#holders.delete(keyOf(by, value));
  }
}

/**
 * The page's transaction, with its user writes reported to `keys` after they succeed. The
 * methods are bound to the adapter's own object, so class-based adapters keep their fields.
 */
export function observeUserWrites(directory: DirectoryTransaction, keys: SoftMatchKeys): DirectoryTransaction {
  const observed: Partial<DirectoryTransaction> = {
    createUsers: async (tenantId, users) => {
      const created = await directory.createUsers(tenantId, users);
      for (const user of created) keys.forgetValues(user);
      return created;
    },
    updateUsers: async (tenantId, changes) => {
      keys.forgetIds(changes.map((c) => c.id));
      for (const change of changes) keys.forgetValues(change);
      return directory.updateUsers(tenantId, changes);
    },
    deleteUsers: async (tenantId, ids, at) => {
      keys.forgetIds(ids);
      return directory.deleteUsers(tenantId, ids, at);
    },
    restoreUsers: async (tenantId, ids) => {
      keys.forgetIds(ids);
      return directory.restoreUsers(tenantId, ids);
    },
  };
  return new Proxy(directory, {
    get(target, property, receiver) {
      if (typeof property === 'string' && property in observed) return observed[property as keyof DirectoryTransaction];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
