/**
 * The parts of the RFC 7643 core User (§4.1) and Group (§4.2) schemas that an AD source
 * can fill. Attribute definitions follow RFC 7643 §8.7.1; `/Schemas` lists only what this
 * service returns (RFC 7644 §4: "the attributes supported by the service provider").
 */
import { attribute, schemaDefinition, type SchemaAttribute } from './schema-types.ts';
import { CORE_GROUP, CORE_USER } from './urns.ts';

const typedValue = (what: string, types: readonly string[]): SchemaAttribute[] => [
  attribute('value', 'string', `The ${what}.`),
  attribute('display', 'string', 'A human-readable name, primarily used for display purposes.'),
  attribute('type', 'string', `A label indicating the ${what}'s function.`, { canonicalValues: types }),
  attribute('primary', 'boolean', `Whether this is the primary ${what}.`),
];

export const userSchema = schemaDefinition(CORE_USER, 'User', 'User Account', [
  attribute('userName', 'string', 'Unique identifier for the User, from userPrincipalName (sAMAccountName when unset).', {
    required: true,
    uniqueness: 'server',
  }),
  attribute('name', 'complex', "The components of the user's real name.", {
    subAttributes: [
      attribute('formatted', 'string', 'The full name, formatted for display.'),
      attribute('familyName', 'string', 'The family name (AD sn).'),
      attribute('givenName', 'string', 'The given name (AD givenName).'),
      attribute('middleName', 'string', 'The middle name (AD middleName).'),
    ],
  }),
  attribute('displayName', 'string', 'The name of the User, suitable for display to end-users.'),
  attribute('title', 'string', "The user's title (AD title)."),
  attribute('userType', 'string', 'The relationship between the organization and the user (AD employeeType).'),
  attribute('preferredLanguage', 'string', "The user's preferred written or spoken language (AD preferredLanguage)."),
  attribute('active', 'boolean', "The user's administrative status: false when userAccountControl has ACCOUNTDISABLE (0x2)."),
  attribute('emails', 'complex', 'Email addresses for the user (AD mail).', {
    multiValued: true,
    subAttributes: typedValue('email address', ['work', 'home', 'other']),
  }),
  attribute('phoneNumbers', 'complex', 'Phone numbers (AD telephoneNumber, mobile, facsimileTelephoneNumber).', {
    multiValued: true,
    subAttributes: typedValue('phone number', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  }),
  attribute('addresses', 'complex', 'A physical mailing address for this User.', {
    multiValued: true,
    subAttributes: [
      attribute('formatted', 'string', 'The full mailing address.'),
      attribute('streetAddress', 'string', 'The street address (AD streetAddress).'),
      attribute('locality', 'string', 'The city or locality (AD l).'),
      attribute('region', 'string', 'The state or region (AD st).'),
      attribute('postalCode', 'string', 'The zip code or postal code (AD postalCode).'),
      attribute('country', 'string', 'The country (AD c).'),
      attribute('type', 'string', 'A label indicating the address type.', { canonicalValues: ['work', 'home', 'other'] }),
      attribute('primary', 'boolean', 'Whether this is the primary address.'),
    ],
  }),
]);

export const groupSchema = schemaDefinition(CORE_GROUP, 'Group', 'Group', [
  attribute('displayName', 'string', 'A human-readable name for the Group (AD displayName, else cn).', { required: true }),
  attribute('members', 'complex', 'A list of members of the Group (AD member, resolved to objectGUIDs).', {
    multiValued: true,
    subAttributes: [
      attribute('value', 'string', 'Identifier (objectGUID) of the member.', { mutability: 'immutable' }),
      attribute('$ref', 'reference', 'The URI of the member resource.', { mutability: 'immutable', referenceTypes: ['User', 'Group'] }),
      attribute('display', 'string', 'A human-readable name of the member.', { mutability: 'readOnly' }),
      attribute('type', 'string', 'The type of the member.', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
    ],
  }),
]);
