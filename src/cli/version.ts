import { readFileSync } from 'node:fs';

/** The package version, reported by `canopy --version` and sent by agents in their hello frame. */
export const CANOPY_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
