#!/usr/bin/env node
// The `canopy` command. `npm install` / `npm ci` compile src/ to dist/ (the `prepare`
// script, tsconfig.build.json); that JavaScript is what runs, so a start pays for no
// transpiling. When dist/ is missing or older than a source file (a checkout being edited
// without `npm run build`), the TypeScript sources run through tsx's loader instead, so
// that what runs is always the code as it is on disk.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist', 'cli', 'main.js');
// Written after each successful build (package.json "build"); tsc rewrites only changed files.
const stamp = join(root, 'dist', '.built');

/** The newest modification time under a folder (a few ms for the ~250 source files). */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function builtIsCurrent() {
  if (process.env.CANOPY_RUN_SOURCES === '1') return false;
  try {
    return statSync(stamp).mtimeMs >= newest(join(root, 'src'));
  } catch {
    return false;
  }
}

if (builtIsCurrent()) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
