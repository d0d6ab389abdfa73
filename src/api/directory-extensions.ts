/**
 * Directory extension properties on users: `extension_{appId}_{name}` (Graph "Add custom
 * data to resources using extensions": the app id without dashes, then the name). Sync
 * writes their values from attribute mappings (engine/target-properties.ts); like Graph,
 * the API returns them only when $select names them, null when a user has none.
 */

/** `extension_` + an application id's 32 hex digits + `_` + the property name. */
export const EXTENSION_NAME = /^extension_[0-9a-f]{32}_[A-Za-z0-9_]+$/i;

export function isExtensionName(name: string): boolean {
  return EXTENSION_NAME.test(name);
}

/** The value of one extension in a user's stored JSON text (names match without regard to case). */
export function extensionValue(stored: unknown, name: string): unknown {
  if (typeof stored !== 'string' || stored === '') return null;
  let values: Record<string, unknown>;
  try {
    values = JSON.parse(stored) as Record<string, unknown>;
  } catch {
    return null;
  }
  const lower = name.toLowerCase();
  const key = Object.keys(values).find((k) => k.toLowerCase() === lower);
  return key === undefined ? null : values[key] ?? null;
}
