/**
 * Distinguished names: the one implementation lives in src/core/dn.ts (shared with the
 * agent's SCIM service and the engine); the AD reader's modules import it from here.
 */
export { DnScope, dnEquals, isDnUnder, normalizeDn, normalizedRdns, parentDn } from '../core/dn.ts';
