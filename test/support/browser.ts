/**
 * Debian's chromium for the page tests, driven by playwright-core (which downloads no browser).
 * scripts/test.mjs installs the package under CI=true (root on Debian) and otherwise names
 * what is missing in CANOPY_TEST_BROWSER_SKIP; tests skip with that one line, or fail under CI.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const ci = process.env.CI === 'true' || process.env.CI === '1';

export function chromiumPath(): string {
  return process.env.CANOPY_TEST_CHROMIUM ?? '/usr/bin/chromium';
}

/** Why page tests cannot run here, or undefined when they can (under CI they never skip). */
export function browserSkipReason(): string | undefined {
  if (ci) return undefined;
  if (process.env.CANOPY_TEST_BROWSER_SKIP) return process.env.CANOPY_TEST_BROWSER_SKIP;
  if (!existsSync(chromiumPath())) return `browser tests skipped: no chromium at ${chromiumPath()} (apt-get install chromium, or set CANOPY_TEST_CHROMIUM)`;
  return undefined;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath())) throw new Error(`no chromium at ${chromiumPath()}: install Debian's chromium package (scripts/test.mjs does under CI=true as root) or set CANOPY_TEST_CHROMIUM`);
  // --no-sandbox: the tests run as root, where chromium refuses its sandbox.
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
