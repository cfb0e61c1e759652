/** Debian's Chromium driven by playwright-core (playwright's own browser download is not used). */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM } from './paths';

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  // The machine's network is closed: without these Chromium keeps retrying background connections.
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: run \`bash test/harness/prereqs.sh\` (apt package chromium).`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
