/**
 * A synced user's sign-in with the AD password: the user by UPN, live and synced, the
 * password checked against the PPH1 string password hash sync stored (constant time, the
 * stored salt and iteration count), then the account's state. Unknown user, no synced hash
 * and wrong password look the same from outside (and cost the same time).
 */
import type { DirectoryReader } from '../directory/store.ts';
import type { DirectoryUser } from '../directory/types.ts';
import { verifyPph1 } from './pph1-verify.ts';
import type { SignInLimits } from './sign-in-limits.ts';

export type SignInFailure =
  /** Unknown user, deleted user, no synced password hash, or a wrong password. */
  | 'invalid_credentials'
  /** The password is right but the account is disabled (accountEnabled false). */
  | 'account_disabled'
  /** Too many failures for the account or from the address (sign-in-limits.ts). */
  | 'locked';

export type SignInResult = { readonly ok: true; readonly user: DirectoryUser } | { readonly ok: false; readonly failure: SignInFailure };

/** A PPH1 string no password verifies against: spends the same PBKDF2 time for an unknown user. */
const DUMMY_PPH1 = `v1;PPH1_MD4,${'00'.repeat(10)},1000,${'00'.repeat(32)};`;

export interface PasswordSignInOptions {
  readonly store: Pick<DirectoryReader, 'findUser' | 'getUserPasswordHash'>;
  readonly limits: SignInLimits;
}

export async function signInWithPassword(options: PasswordSignInOptions, tenantId: string, username: string, password: string, address: string): Promise<SignInResult> {
  const account = `${tenantId}/${username.toLowerCase()}`;
  if (options.limits.locked(account, address)) return { ok: false, failure: 'locked' };
  const found = await options.store.findUser(tenantId, { userPrincipalName: username });
  const user = found && found.deletedDateTime === null && found.onPremisesSyncEnabled === true ? found : undefined;
  const stored = user ? await options.store.getUserPasswordHash(tenantId, user.id) : undefined;
  const valid = await verifyPph1(password, stored?.credentialData ?? DUMMY_PPH1);
  if (!user || !stored || !valid) {
    options.limits.failed(account, address);
    return { ok: false, failure: 'invalid_credentials' };
  }
  options.limits.succeeded(account);
  if (user.accountEnabled === false) return { ok: false, failure: 'account_disabled' };
  return { ok: true, user };
}
