/**
 * Files that hold secrets or personal data: created private whatever the umask, and refused
 * when group or others can read them (as ssh refuses a private key at 0644). The mode given to
 * mkdir/open only applies on creation and the umask can only narrow it, so each is followed by
 * an explicit chmod.
 */
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { CanopyError } from './errors.ts';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and parents) and makes `dir` itself 0700, also when it existed wider. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Writes a file at 0600 (`flag: 'wx'` to refuse an existing one). */
export function writePrivateFile(path: string, content: string | Buffer, flag: 'w' | 'wx' = 'w'): void {
  writeFileSync(path, content, { mode: PRIVATE_FILE_MODE, flag });
  chmodSync(path, PRIVATE_FILE_MODE);
}

/** Creates `path` empty at 0600 when missing, or narrows an existing one to 0600. */
export function ensurePrivateFile(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  chmodSync(path, PRIVATE_FILE_MODE);
}

/**
 * Reads a secret file, refusing it when group or others have any access. `what` names the
 * option or file for the message (`ad.passwordFile`, `--tls-key`).
 */
export function readSecretFile(path: string, what: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new CanopyError('ERR_CONFIG_INVALID', `${what}: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    // fstat on the opened descriptor: the file checked is the file read.
    const mode = fstatSync(fd).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new CanopyError('ERR_CONFIG_INVALID', `${what}: ${path} holds a secret but is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 ${path}`);
    }
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
