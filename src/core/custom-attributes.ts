/**
 * The AD attributes cloud sync offers for custom mappings and directory extensions beyond
 * its defaults: Exchange's extensionAttribute1–15 (present when the forest has the Exchange
 * schema) and msDS-cloudExtensionAttribute1–20 (in every schema since Windows Server 2012,
 * Samba's included). The agent carries them in its AD extension; the engine reads them by
 * these LDAP names.
 */
export const CUSTOM_ATTRIBUTES: readonly string[] = Object.freeze([
  ...Array.from({ length: 15 }, (_, i) => `extensionAttribute${i + 1}`),
  ...Array.from({ length: 20 }, (_, i) => `msDS-cloudExtensionAttribute${i + 1}`),
]);
