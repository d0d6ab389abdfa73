/**
 * The tenant's sign-in accounts: the administrator the first start creates (a one-time
 * password that must be changed at the first sign-in), password checks and changes.
 * Passwords are kept as scrypt hashes (memory-hard, RFC 7914; api/auth/secret-hash.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ADMIN_ROLES } from '../api/auth/tenant-setup.ts';
import { hashSecret, verifySecret } from '../api/auth/secret-hash.ts';
import type { IdentityAccount, IdentityAccountStore } from './identity-store.ts';

/** Entra's name for the role that may do everything in the tenant. */
export const GLOBAL_ADMINISTRATOR = 'Global Administrator';
export const BOOTSTRAP_ADMIN_USER_NAME = 'admin';
/** NIST SP 800-63B §5.1.1.2 asks at least 8; an administrator of the directory gets 12. */
export const MIN_PASSWORD_LENGTH = 12;

/**
 * The Graph permissions a signed-in account's tokens carry (`scp`): an administrator's are
 * the admin application's; an account without an admin role gets none, so the API shows it
 * nothing of the configuration.
 */
export function delegatedPermissionsOf(account: Pick<IdentityAccount, 'roles'>): readonly string[] {
  return account.roles.includes(GLOBAL_ADMINISTRATOR) ? ADMIN_ROLES : [];
}

/** Every Graph permission a delegated token may carry. */
export const ALL_DELEGATED_PERMISSIONS: readonly string[] = ADMIN_ROLES;

/** Spends the same scrypt time for an unknown user name as for a wrong password. */
const DUMMY_HASH = 'scrypt$16384$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export async function checkPassword(store: IdentityAccountStore, tenantId: string, userName: string, password: string): Promise<IdentityAccount | undefined> {
  const account = await store.findAccountByUserName(tenantId, userName);
  const valid = await verifySecret(password, account?.passwordHash ?? DUMMY_HASH);
  return account && valid ? account : undefined;
}

/** Why a new password is refused, in words for the form; undefined when it is acceptable. */
export function newPasswordProblem(current: string, next: string, confirm: string): string | undefined {
  if (next !== confirm) return 'The new password and its confirmation differ.';
  if ([...next].length < MIN_PASSWORD_LENGTH) return `The new password must have at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (next === current) return 'The new password must differ from the current one.';
  return undefined;
}

export async function changePassword(store: IdentityAccountStore, account: IdentityAccount, next: string): Promise<void> {
  await store.setPassword(account.tenantId, account.id, await hashSecret(next), false);
}

/**
 * The first administrator of a tenant with no account yet (a new data folder, or one made
 * before sign-in existed): user name `admin` and a one-time password, returned once.
 */
export async function ensureBootstrapAdmin(store: IdentityAccountStore, tenantId: string): Promise<{ userName: string; oneTimePassword: string } | undefined> {
  if ((await store.countAccounts(tenantId)) > 0) return undefined;
  const oneTimePassword = randomBytes(15).toString('base64url');
  await store.createAccount({
    tenantId,
    id: randomUUID(),
    userName: BOOTSTRAP_ADMIN_USER_NAME,
    displayName: 'Canopy administrator',
    passwordHash: await hashSecret(oneTimePassword),
    mustChangePassword: true,
    roles: [GLOBAL_ADMINISTRATOR],
    createdDateTime: new Date().toISOString(),
  });
  return { userName: BOOTSTRAP_ADMIN_USER_NAME, oneTimePassword };
}
