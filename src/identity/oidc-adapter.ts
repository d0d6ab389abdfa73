/**
 * oidc-provider's storage adapter (its docs: "Adapter" interface; lib/adapters/memory_adapter.js
 * is the reference) over the IdentityStore, bound to one tenant: sessions, interactions,
 * codes, tokens and grants survive a restart and are shared by the nodes of an installation.
 */
import type { IdentityStore, OidcPayload } from './identity-store.ts';

export interface OidcAdapter {
  upsert(id: string, payload: OidcPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<OidcPayload | undefined>;
  findByUserCode(userCode: string): Promise<OidcPayload | undefined>;
  findByUid(uid: string): Promise<OidcPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

export function oidcAdapterFor(store: IdentityStore, tenantId: string): new (model: string) => OidcAdapter {
  return class TenantOidcAdapter implements OidcAdapter {
    constructor(readonly model: string) {}

    upsert(id: string, payload: OidcPayload, expiresIn?: number): Promise<void> {
      return store.upsertRecord({ tenantId, model: this.model, id }, payload, typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined);
    }

    find(id: string): Promise<OidcPayload | undefined> {
      return store.findRecord({ tenantId, model: this.model, id });
    }

    findByUserCode(userCode: string): Promise<OidcPayload | undefined> {
      return store.findRecordBy(tenantId, this.model, 'userCode', userCode);
    }

    findByUid(uid: string): Promise<OidcPayload | undefined> {
      return store.findRecordBy(tenantId, this.model, 'uid', uid);
    }

    consume(id: string): Promise<void> {
      return store.consumeRecord({ tenantId, model: this.model, id }, Date.now());
    }

    destroy(id: string): Promise<void> {
      return store.destroyRecord({ tenantId, model: this.model, id });
    }

    revokeByGrantId(grantId: string): Promise<void> {
      return store.revokeGrant(tenantId, grantId);
    }
  };
}
