/**
 * The agent's identity: an Ed25519 key pair made on the agent at enrollment. The private
 * key is written once to the data folder with mode 0600 (folder 0700) and never leaves the
 * machine; the service holds only the public key (RFC 8037 OKP JWK).
 */
import { generateKeyPairSync, createPrivateKey, type KeyObject } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, type JWK } from 'jose';
import { CanopyError } from '../core/errors.ts';
import { ensurePrivateDir, writePrivateFile } from '../core/private-files.ts';

export const KEY_FILE = 'agent-key.pem';
export const IDENTITY_FILE = 'agent.json';

/** What enrollment answered, kept beside the key. Nothing secret: the key file is the secret. */
export interface AgentIdentity {
  readonly agentId: string;
  readonly tenantId: string;
  /** The service's id: the `aud` of every assertion. */
  readonly audience: string;
  readonly serviceUrl: string;
  readonly domains: readonly string[];
  readonly registeredAt: string;
}

export interface GeneratedKey {
  readonly privateKey: KeyObject;
  readonly publicKeyJwk: JWK;
}

export async function generateAgentKey(): Promise<GeneratedKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { kty, crv, x } = await exportJWK(publicKey);
  return { privateKey, publicKeyJwk: { kty, crv, x } };
}

function ensureDataDir(dataDir: string): void {
  ensurePrivateDir(dataDir);
}

/** Writes the private key; refuses to overwrite an existing one (an enrolled agent keeps its key). */
export function savePrivateKey(dataDir: string, privateKey: KeyObject): string {
  ensureDataDir(dataDir);
  const path = join(dataDir, KEY_FILE);
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  try {
    writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CanopyError('ERR_CONFIG_INVALID', `dataDir: ${path} already exists: this agent is already enrolled; use another data folder to enroll a new agent`);
    }
    throw error;
  }
  chmodSync(path, 0o600); // the umask could have narrowed it further, never widened; make it exact
  return path;
}

/** Loads the private key, refusing one that group or others can read (as ssh does). */
export function loadPrivateKey(dataDir: string): KeyObject {
  const path = join(dataDir, KEY_FILE);
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new CanopyError('ERR_CONFIG_INVALID', `dataDir: no agent key at ${path}; enroll first with \`canopy agent register\``);
  }
  if ((mode & 0o077) !== 0) {
    throw new CanopyError('ERR_CONFIG_INVALID', `dataDir: ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
  }
  return createPrivateKey(readFileSync(path, 'utf8'));
}

export function saveIdentity(dataDir: string, identity: AgentIdentity): void {
  ensureDataDir(dataDir);
  writePrivateFile(join(dataDir, IDENTITY_FILE), `${JSON.stringify(identity, null, 2)}\n`);
}

export function loadIdentity(dataDir: string): AgentIdentity {
  const path = join(dataDir, IDENTITY_FILE);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as AgentIdentity;
  } catch (error) {
    throw new CanopyError('ERR_CONFIG_INVALID', `dataDir: cannot read ${path}; enroll first with \`canopy agent register\``, { cause: error });
  }
}
