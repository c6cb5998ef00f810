// Debian's chromium through playwright-core, for the browser suites. CI
// installs it (.ci/run), so there its absence is a failure; elsewhere a skip.
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** True when the browser is there; otherwise logs the skip (or throws under CI). */
export function haveChromium() {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run must install chromium`);
  console.log(`  skipped: no browser at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM)`);
  return false;
}

/** A headless chromium with nothing running in the background. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
