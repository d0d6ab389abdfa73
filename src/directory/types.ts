/**
 * Records of the cloud directory and of the sync state, as the store keeps them. Directory
 * objects use Microsoft Graph v1.0 property names (resources/user, resources/group) so the
 * API serialises them without renaming; fields Graph does not expose are marked internal.
 * Every record belongs to one tenant; the store never answers across tenants.
 */

/** JSON values as stored in the JSON columns (job status, settings, logs). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Tenant {
  readonly id: string;
  readonly displayName: string;
  readonly createdDateTime: string;
  /** Graph organization.onPremisesSyncEnabled: null until set, as for a tenant never synced. */
  readonly onPremisesSyncEnabled?: boolean | null;
}

/** A client secret, kept only as a hash (resources/passwordCredential, minus secretText). */
export interface PasswordCredential {
  readonly keyId: string;
  /** First characters of the secret, as Graph's `hint`. */
  readonly hint: string;
  /** scrypt hash, `scrypt$<N>$<salt b64url>$<hash b64url>` (see api/auth/secret-hash.ts). */
  readonly secretHash: string;
  readonly endDateTime: string | null;
}

export interface Application {
  readonly tenantId: string;
  /** Object id. */
  readonly id: string;
  /** The client id used at the token endpoint. */
  readonly appId: string;
  readonly displayName: string;
  readonly passwordCredentials: readonly PasswordCredential[];
  /** Application permissions granted to this app; they become the token's `roles`. */
  readonly roles: readonly string[];
  readonly createdDateTime: string;
}

export interface ServicePrincipal {
  readonly tenantId: string;
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
  readonly appDisplayName: string;
  readonly servicePrincipalNames: readonly string[];
  readonly createdDateTime: string;
  /** The application template it was instantiated from (Graph servicePrincipal.applicationTemplateId). */
  readonly applicationTemplateId?: string | null;
}

/** Writable properties of a user (Graph resources/user). */
export interface UserProperties {
  readonly userPrincipalName: string;
  readonly displayName: string | null;
  readonly givenName: string | null;
  readonly surname: string | null;
  readonly mail: string | null;
  readonly mailNickname: string | null;
  readonly proxyAddresses: readonly string[];
  readonly jobTitle: string | null;
  readonly department: string | null;
  readonly companyName: string | null;
  readonly officeLocation: string | null;
  readonly streetAddress: string | null;
  readonly city: string | null;
  readonly state: string | null;
  readonly postalCode: string | null;
  readonly country: string | null;
  readonly usageLocation: string | null;
  readonly businessPhones: readonly string[];
  readonly mobilePhone: string | null;
  readonly faxNumber: string | null;
  readonly employeeId: string | null;
  readonly accountEnabled: boolean | null;
  /** The source anchor (base64 of ms-DS-ConsistencyGuid or objectGUID); unique per tenant. */
  readonly onPremisesImmutableId: string | null;
  /** true for objects synced from AD; null for cloud-only objects (as Graph answers). */
  readonly onPremisesSyncEnabled: boolean | null;
  readonly onPremisesDistinguishedName: string | null;
  readonly onPremisesSamAccountName: string | null;
  readonly onPremisesSecurityIdentifier: string | null;
  readonly onPremisesDomainName: string | null;
  readonly onPremisesUserPrincipalName: string | null;
  readonly onPremisesLastSyncDateTime: string | null;
  /** Internal: the manager's object id; Graph exposes it as the `manager` navigation. */
  readonly managerId: string | null;
  /**
   * Internal: directory extension values (`extension_{appId}_{name}` → value) as JSON text,
   * written by sync; the API shows each as a property of its own (api/directory-extensions.ts).
   */
  readonly directoryExtensions: string | null;
  /**
   * Internal: AD's extensionAttribute1–15 (`extensionAttributeN` → value) as JSON text, written
   * by sync or set on a cloud-only user; the API shows it as onPremisesExtensionAttributes.
   */
  readonly onPremisesExtensionAttributes: string | null;
}

export interface DirectoryUser extends UserProperties {
  readonly id: string;
  readonly createdDateTime: string;
  /** Set while the user sits in deleted items (soft delete, purged after 30 days). */
  readonly deletedDateTime: string | null;
}

/**
 * A synced user's password hash (password hash sync): the agent's PPH1 string only, never an
 * NT hash. Internal: no API route returns it; only sign-in (src/identity) reads it.
 */
export interface UserPasswordHash {
  readonly userId: string;
  /** `v1;PPH1_MD4,<salt hex>,<iterations>,<hash hex>;` as the agent derived it. */
  readonly credentialData: string;
  readonly syncedDateTime: string;
}

/** A user to create: the UPN is required, every other property defaults to null / []. */
export type NewUser = Partial<UserProperties> & { readonly id?: string; readonly userPrincipalName: string };

/** Writable properties of a group (Graph resources/group) plus internal sync keys. */
export interface GroupProperties {
  readonly displayName: string;
  readonly description: string | null;
  readonly mail: string | null;
  readonly mailEnabled: boolean;
  readonly mailNickname: string | null;
  readonly securityEnabled: boolean;
  readonly groupTypes: readonly string[];
  readonly proxyAddresses: readonly string[];
  readonly onPremisesSyncEnabled: boolean | null;
  readonly onPremisesSamAccountName: string | null;
  readonly onPremisesSecurityIdentifier: string | null;
  readonly onPremisesDomainName: string | null;
  readonly onPremisesNetBiosName: string | null;
  readonly onPremisesLastSyncDateTime: string | null;
  /** Internal: the source anchor of a synced group (Graph has no property for it); unique per tenant. */
  readonly sourceAnchor: string | null;
  /** Internal: the group's DN in AD, to resolve nested-group references. */
  readonly onPremisesDistinguishedName: string | null;
}

export interface DirectoryGroup extends GroupProperties {
  readonly id: string;
  readonly createdDateTime: string;
  readonly deletedDateTime: string | null;
}

export type NewGroup = Partial<GroupProperties> & { readonly id?: string; readonly displayName: string };

export type MemberType = 'user' | 'group';

export interface Membership {
  readonly groupId: string;
  readonly memberId: string;
  readonly memberType: MemberType;
}

/** A member named by its source reference (anchor or DN) whose object is not synced yet. */
export interface PendingReference {
  readonly groupId: string;
  readonly reference: string;
  readonly createdDateTime: string;
}

/** A member of a group with the object itself, for listing. */
export type MemberObject =
  | { readonly memberType: 'user'; readonly object: DirectoryUser }
  | { readonly memberType: 'group'; readonly object: DirectoryGroup };

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

export interface NameValue {
  readonly name: string;
  readonly value: string;
}

/** Graph resources/synchronizationSchedule. */
export interface SynchronizationSchedule {
  readonly expiration: string | null;
  /** ISO-8601 duration, `PT2M` by default. */
  readonly interval: string;
  readonly state: 'Active' | 'Disabled' | 'Paused';
}

/**
 * Graph resources/synchronizationJob plus the owning service principal. `status` and `schema`
 * are kept as JSON in Graph's shape; the engine owns their contents.
 */
export interface SynchronizationJob {
  readonly tenantId: string;
  readonly id: string;
  readonly templateId: string;
  readonly servicePrincipalId: string;
  readonly schedule: SynchronizationSchedule;
  readonly status: { readonly [key: string]: JsonValue };
  readonly synchronizationJobSettings: readonly NameValue[];
  readonly schema: JsonValue | null;
  readonly createdDateTime: string;
}

/** An object whose export failed and is retried on later cycles (Graph's "escrow"). */
export interface Escrow {
  readonly jobId: string;
  /** The object's source id (anchor or DN). */
  readonly sourceId: string;
  readonly objectType: string;
  readonly error: JsonValue;
  readonly attempts: number;
  readonly firstFailedDateTime: string;
  readonly lastFailedDateTime: string;
}

export interface EscrowInput {
  readonly sourceId: string;
  readonly objectType: string;
  readonly error: JsonValue;
}

/** Graph resources/provisioningObjectSummary (the shape of GET /auditLogs/provisioning). */
export interface ProvisioningObjectSummary {
  readonly id: string;
  readonly activityDateTime: string;
  readonly changeId: string;
  readonly cycleId: string;
  readonly jobId: string;
  readonly tenantId: string;
  readonly durationInMilliseconds: number;
  readonly provisioningAction: 'create' | 'update' | 'delete' | 'stagedDelete' | 'disable' | 'other';
  readonly initiatedBy: JsonValue;
  readonly modifiedProperties: readonly { readonly displayName: string; readonly oldValue: string | null; readonly newValue: string | null }[];
  readonly provisioningSteps: readonly {
    readonly name: string;
    readonly provisioningStepType: 'import' | 'scoping' | 'matching' | 'processing' | 'referenceResolution' | 'export';
    readonly status: 'success' | 'warning' | 'failure' | 'skipped';
    readonly description: string;
    readonly details: JsonValue;
  }[];
  readonly sourceIdentity: { readonly id: string; readonly displayName: string | null; readonly identityType: string; readonly details: JsonValue };
  readonly targetIdentity: { readonly id: string | null; readonly displayName: string | null; readonly identityType: string; readonly details: JsonValue };
  readonly sourceSystem: JsonValue;
  readonly targetSystem: JsonValue;
  readonly provisioningStatusInfo: {
    readonly status: 'success' | 'warning' | 'failure' | 'skipped';
    readonly errorInformation: JsonValue;
  };
}
