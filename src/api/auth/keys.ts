/**
 * The token signing key: ES256 (RFC 7518 §3.4), generated on first start and kept in the data
 * folder (0600) so that issued tokens stay valid across restarts. The key id is the JWK
 * thumbprint (RFC 7638).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { CanopyError } from '../../core/errors.ts';
import { ensurePrivateDir, readSecretFile, writePrivateFile } from '../../core/private-files.ts';

export const SIGNING_ALGORITHM = 'ES256';
export const SIGNING_KEY_FILE = 'token-signing-key.json';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** The public half, as published at …/discovery/v2.0/keys. */
  readonly publicJwk: JWK;
  /** The private JWK with its kid: the OpenID provider (src/identity) signs with the same key. */
  readonly privateJwk: JWK;
}

/** A signing key from its private JWK (the file here, or the shared row of a Postgres installation). */
export async function signingKeyFromJwk(jwk: JWK): Promise<SigningKey> {
  const kid = await calculateJwkThumbprint(jwk);
  const { d: _d, ...publicPart } = jwk;
  const privateKey = (await importJWK(jwk, SIGNING_ALGORITHM)) as CryptoKey;
  const publicKey = (await importJWK(publicPart, SIGNING_ALGORITHM)) as CryptoKey;
  return { kid, privateKey, publicKey, publicJwk: { ...publicPart, kid, alg: SIGNING_ALGORITHM, use: 'sig' }, privateJwk: { ...jwk, kid, alg: SIGNING_ALGORITHM, use: 'sig' } };
}

export async function generateSigningKey(): Promise<{ key: SigningKey; privateJwk: JWK }> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  return { key: await signingKeyFromJwk(privateJwk), privateJwk };
}

/** Loads DIR/token-signing-key.json, creating it (mode 0600) on first start. */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const path = join(dataDir, SIGNING_KEY_FILE);
  ensurePrivateDir(dataDir);
  if (existsSync(path)) {
    const text = readSecretFile(path, 'the token signing key').toString('utf8');
    try {
      return await signingKeyFromJwk(JSON.parse(text) as JWK);
    } catch (error) {
      throw new CanopyError('ERR_CONFIG_INVALID', `${path} is not a usable ${SIGNING_ALGORITHM} private JWK`, { cause: error });
    }
  }
  const { key, privateJwk } = await generateSigningKey();
  try {
    // 'wx': never overwrite a key another process wrote meanwhile; use that one instead.
    writePrivateFile(path, `${JSON.stringify(privateJwk)}\n`, 'wx');
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return loadOrCreateSigningKey(dataDir);
    throw error;
  }
  return key;
}
