/**
 * Runs test suites inside the VS Code extension host, as @vscode/test-electron does on the desktop:
 * the workbench is opened with a payload naming extensionDevelopmentPath and extensionTestsPath; the
 * (Node) extension host loads the tests module and awaits its run(); the exit code comes back
 * through window.codeAutomationExit and the console through window.codeAutomationLog.
 */
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import type { Browser } from 'playwright-core';

export interface ExtensionHostRun {
  exitCode: number | 'timeout';
  tests: { title: string; passed: boolean; message: string }[];
  log: string;
}

export async function runExtensionHostTests(
  browser: Browser,
  baseUrl: string,
  options: { extensionPath: string; testsPath: string; folder: string; screenshotDir: string; timeoutMs?: number },
): Promise<ExtensionHostRun> {
  if (!fs.existsSync(options.testsPath)) {
    throw new Error(`${options.testsPath} is missing: the extension-host tests are compiled by \`npx tsc -b\``);
  }
  const authority = new URL(baseUrl).host;
  const remote = (p: string) => `vscode-remote://${authority}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(options.extensionPath)],
    ['extensionTestsPath', remote(options.testsPath)],
  ];
  const url = `${baseUrl}/?folder=${encodeURIComponent(options.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const lines: string[] = [];
  const tests: ExtensionHostRun['tests'] = [];
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
    const line = util.format(...args);
    lines.push(line);
    const match = /^CACHELENS-TEST (pass|fail) (.*?)(?: :: (.*))?$/.exec(line);
    if (match) tests.push({ title: match[2]!, passed: match[1] === 'pass', message: match[3] ?? '' });
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
  await page.goto(url);
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), options.timeoutMs ?? 180_000).unref());
  const exitCode = await Promise.race([exited, timeout]);
  if (exitCode !== 0) {
    fs.mkdirSync(options.screenshotDir, { recursive: true });
    await page.screenshot({ path: path.join(options.screenshotDir, 'FAILED-ext-host.png') }).catch(() => undefined);
  }
  await page.close();
  const noise = /^\[(AgentHost|ChatModelSelection|AccountPolicyGate|reconnection-grace-time|Service Worker)|ENOTFOUND/;
  return { exitCode, tests, log: lines.filter((l) => !noise.test(l)).join('\n') };
}
