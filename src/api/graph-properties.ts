/**
 * Graph v1.0 properties that Canopy's directory does not store, per resource (Graph
 * resources/user, resources/group, resources/servicePrincipal). A client may $select any of
 * them, as it may on Microsoft Graph: a scalar answers null, a collection answers [], and a
 * few are computed from what is stored (userType, onPremisesExtensionAttributes). A name on
 * no list is not a Graph property and $select of it is refused with Graph's 400.
 */

/** How an unstored property answers: null, an empty collection, or a value computed per object. */
export type UnstoredProperty = 'null' | 'collection' | ((record: Readonly<Record<string, unknown>>) => unknown);

function table(nulls: readonly string[], collections: readonly string[], computed: Record<string, UnstoredProperty> = {}): Readonly<Record<string, UnstoredProperty>> {
  const result: Record<string, UnstoredProperty> = {};
  for (const name of nulls) result[name] = 'null';
  for (const name of collections) result[name] = 'collection';
  return Object.freeze({ ...result, ...computed });
}

/** Entra's onPremisesExtensionAttributes: extensionAttribute1 … 15 from the stored JSON text, null where AD has none. */
export function extensionAttributes(stored: unknown): Record<string, string | null> {
  let values: Record<string, unknown> = {};
  try {
    const parsed: unknown = typeof stored === 'string' ? JSON.parse(stored) : stored;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) values = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: no values.
  }
  const result: Record<string, string | null> = {};
  for (let n = 1; n <= 15; n++) {
    const value = values[`extensionAttribute${n}`];
    result[`extensionAttribute${n}`] = typeof value === 'string' ? value : null;
  }
  return result;
}

export const USER_UNSTORED = table(
  [
    'aboutMe', 'ageGroup', 'authorizationInfo', 'birthday', 'consentProvidedForMinor', 'creationType', 'customSecurityAttributes',
    'employeeHireDate', 'employeeLeaveDateTime', 'employeeOrgData', 'employeeType', 'externalUserState', 'externalUserStateChangeDateTime',
    'hireDate', 'isManagementRestricted', 'isResourceAccount', 'lastPasswordChangeDateTime', 'legalAgeGroupClassification',
    'mailboxSettings', 'mySite', 'onPremisesSipInfo', 'passwordPolicies', 'passwordProfile', 'preferredDataLocation',
    'preferredName', 'securityIdentifier', 'showInAddressList', 'signInActivity', 'signInSessionsValidFromDateTime', 'print',
  ],
  [
    'assignedLicenses', 'assignedPlans', 'identities', 'imAddresses', 'interests', 'licenseAssignmentStates', 'onPremisesProvisioningErrors',
    'otherMails', 'pastProjects', 'provisionedPlans', 'responsibilities', 'schools', 'serviceProvisioningErrors', 'skills',
  ],
  {
    // Synced and cloud-made users are members; Canopy has no B2B guests.
    userType: () => 'Member',
    onPremisesExtensionAttributes: (record) => extensionAttributes(record.onPremisesExtensionAttributes),
  },
);

export const GROUP_UNSTORED = table(
  [
    'allowExternalSenders', 'autoSubscribeNewMembers', 'classification', 'expirationDateTime', 'hasMembersWithLicenseErrors',
    'hideFromAddressLists', 'hideFromOutlookClients', 'isArchived', 'isAssignableToRole', 'isManagementRestricted', 'isSubscribedByMail',
    'licenseProcessingState', 'membershipRule', 'membershipRuleProcessingState', 'preferredDataLocation', 'preferredLanguage',
    'renewedDateTime', 'securityIdentifier', 'theme', 'uniqueName', 'unseenCount', 'visibility',
  ],
  ['assignedLabels', 'assignedLicenses', 'onPremisesProvisioningErrors', 'serviceProvisioningErrors', 'resourceBehaviorOptions', 'resourceProvisioningOptions'],
);

export const SERVICE_PRINCIPAL_UNSTORED = table(
  [
    'appDescription', 'customSecurityAttributes', 'deletedDateTime', 'disabledByMicrosoftStatus', 'info', 'logoutUrl',
    'preferredSingleSignOnMode', 'preferredTokenSigningKeyThumbprint', 'samlSingleSignOnSettings', 'tokenEncryptionKeyId', 'verifiedPublisher',
  ],
  ['addIns', 'appRoles', 'keyCredentials', 'notificationEmailAddresses', 'oauth2PermissionScopes', 'passwordCredentials', 'resourceSpecificApplicationPermissions'],
);

/** The value an unstored property answers for one object. */
export function unstoredValue(kind: UnstoredProperty, record: Readonly<Record<string, unknown>>): unknown {
  if (kind === 'null') return null;
  if (kind === 'collection') return [];
  return kind(record);
}
