/**
 * Sync secrets (the passwords and tokens of a job's synchronization secrets) at rest:
 * AES-256-GCM (NIST SP 800-38D) with a key kept apart from the database, so a copy of the
 * database (a backup, a stolen disk image of the file) does not give them away. Each value is
 * bound to its row (tenant, service principal, key) as additional authenticated data, so a
 * sealed value moved to another row does not open.
 *
 * Stored form: `canopy-secret-v1:` + base64url(iv[12] | tag[16] | ciphertext).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { CanopyError } from '../core/errors.ts';
import { ensurePrivateDir, readSecretFile, writePrivateFile } from '../core/private-files.ts';

const PREFIX = 'canopy-secret-v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBox {
  seal(plain: string, context: string): string;
  /** Opens with the current key, else with a previous one (key rotation). */
  open(stored: string, context: string): string;
  isSealed(stored: string): boolean;
  /** Sealed and opening with the current key: nothing to redo at start. */
  isCurrent(stored: string, context: string): boolean;
}

/** What a sealed synchronization secret is bound to: its row (both stores). */
export const secretContext = (tenantId: string, servicePrincipalId: string, key: string): string => JSON.stringify([tenantId, servicePrincipalId, key]);

function openWith(key: Buffer, raw: Buffer, context: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}

/**
 * `previousKeys`: keys being rotated out (CANOPY_SECRETS_PREVIOUS_KEY_FILE): values sealed
 * with them still open, and the stores seal them again with `key` at start.
 */
export function createSecretBox(key: Buffer, previousKeys: readonly Buffer[] = []): SecretBox {
  for (const k of [key, ...previousKeys]) if (k.length !== KEY_BYTES) throw new TypeError(`key: expected ${KEY_BYTES} bytes, got ${k.length}`);
  return {
    isSealed: (stored) => stored.startsWith(PREFIX),
    isCurrent(stored, context) {
      if (!stored.startsWith(PREFIX)) return false;
      try {
        openWith(key, Buffer.from(stored.slice(PREFIX.length), 'base64url'), context);
        return true;
      } catch {
        return false;
      }
    },
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(stored, context) {
      if (!stored.startsWith(PREFIX)) throw new CanopyError('ERR_CONFIG_INVALID', 'a synchronization secret is stored unsealed');
      const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
      let failure: unknown;
      for (const k of [key, ...previousKeys]) {
        try {
          return openWith(k, raw, context);
        } catch (error) {
          failure ??= error;
        }
      }
      throw new CanopyError('ERR_CONFIG_INVALID', 'a synchronization secret does not open with the secrets key: the key file was replaced (give the old one as CANOPY_SECRETS_PREVIOUS_KEY_FILE) or the row was altered', { cause: failure });
    },
  };
}

/** The plain value of a row that needs sealing (plain, or sealed with a previous key); undefined otherwise. */
export function plainOf(box: SecretBox, stored: string, context: string): string | undefined {
  if (!box.isSealed(stored)) return stored;
  if (box.isCurrent(stored, context)) return undefined;
  try {
    return box.open(stored, context);
  } catch {
    return undefined;
  }
}

/** Reads the key file (base64, 0600), creating it with a fresh random key when missing. */
export function loadOrCreateSecretsKey(path: string): Buffer {
  if (!existsSync(path)) {
    ensurePrivateDir(dirname(path));
    try {
      writePrivateFile(path, `${randomBytes(KEY_BYTES).toString('base64')}\n`, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readSecretsKey(path);
}

/** Reads an existing key file (base64, 0600). */
export function readSecretsKey(path: string): Buffer {
  const key = Buffer.from(readSecretFile(path, 'the sync secrets key').toString('utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new CanopyError('ERR_CONFIG_INVALID', `the sync secrets key: ${path} must hold ${KEY_BYTES} bytes in base64`);
  return key;
}
