// Debian's Chromium, headless, driven by playwright-core (which never downloads a browser of its
// own). The flags keep Chromium off the network: this machine refuses outside connections, and
// Chromium's background services would otherwise try them at every start.
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.XMTP_CHROMIUM ?? "/usr/bin/chromium";

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

function checkChromium() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: run tooling/scripts/ensure-chromium.sh (as root), ` +
        "or set XMTP_CHROMIUM to a Chromium binary",
    );
  }
}

/** Launches headless Chromium; close it in the test's afterAll. */
export async function launchChromium(): Promise<Browser> {
  checkChromium();
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
}

/**
 * Chromium with a profile folder that outlives it: close the context and launch again on the
 * same folder to restart the browser with its storage (OPFS, IndexedDB, localStorage) kept.
 */
export async function launchPersistentChromium(userDataDir: string): Promise<BrowserContext> {
  checkChromium();
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
  });
}
