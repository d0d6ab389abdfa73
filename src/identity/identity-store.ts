/**
 * What the tenant's OpenID Connect provider keeps (identity/provider.ts): the provider's own
 * records (sessions, interactions, authorization codes, refresh tokens, grants — whatever
 * oidc-provider hands its adapter), the sign-in accounts of the portal's administrators, and
 * the provider's cookie-signing keys. SQLite in the data folder by default, Postgres when
 * several nodes share an installation; both behind this interface.
 */

/** One record of an oidc-provider model (Session, Interaction, AuthorizationCode, …). */
export interface OidcRecordKey {
  readonly tenantId: string;
  readonly model: string;
  readonly id: string;
}

export type OidcPayload = Record<string, unknown>;

export interface OidcRecordStore {
  /** `expiresAt` in epoch ms; absent: kept until destroyed. */
  upsertRecord(key: OidcRecordKey, payload: OidcPayload, expiresAt: number | undefined): Promise<void>;
  /** The payload while it has not expired. */
  findRecord(key: OidcRecordKey): Promise<OidcPayload | undefined>;
  findRecordBy(tenantId: string, model: string, field: 'uid' | 'userCode', value: string): Promise<OidcPayload | undefined>;
  /** Marks a record (an authorization code, a rotated refresh token) used: `consumed` in its payload. */
  consumeRecord(key: OidcRecordKey, at: number): Promise<void>;
  destroyRecord(key: OidcRecordKey): Promise<void>;
  /** Removes every record of a grant (its codes and tokens), as a revoked grant requires. */
  revokeGrant(tenantId: string, grantId: string): Promise<void>;
}

/** A sign-in account of the provider (for now: the tenant's administrators). */
export interface IdentityAccount {
  readonly tenantId: string;
  readonly id: string;
  /** Unique in the tenant, compared without regard to case. */
  readonly userName: string;
  readonly displayName: string;
  /** scrypt, as api/auth/secret-hash.ts writes it. */
  readonly passwordHash: string;
  /** A one-time password (the first start's): the next sign-in must set a new one. */
  readonly mustChangePassword: boolean;
  /** Directory roles, by Entra's names ('Global Administrator'); none: an ordinary user. */
  readonly roles: readonly string[];
  readonly createdDateTime: string;
}

export interface IdentityAccountStore {
  createAccount(account: IdentityAccount): Promise<void>;
  getAccount(tenantId: string, id: string): Promise<IdentityAccount | undefined>;
  findAccountByUserName(tenantId: string, userName: string): Promise<IdentityAccount | undefined>;
  setPassword(tenantId: string, id: string, passwordHash: string, mustChangePassword: boolean): Promise<void>;
  countAccounts(tenantId: string): Promise<number>;
}

export interface IdentityStore extends OidcRecordStore, IdentityAccountStore {
  /** The keys signing the provider's cookies, created once (the first is the current one). */
  cookieKeys(): Promise<string[]>;
}
