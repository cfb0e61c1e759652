/**
 * Inside the runtime, values are imported from the module that defines them (lint rule
 * `runtime/direct-imports`): compiled to CommonJS, a re-export is a getter run on every use, and
 * the key hash read through `policy/index.ts` cost the miss-cause log a third of its time.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ruleMessages, sources } from '../../harness/lint';
import { ROOT } from '../../harness/paths';

async function errorsOf(file: string, source: string): Promise<string[]> {
  return (await ruleMessages('runtime/direct-imports', file, source)).map((m) => `${file}:${m.line}: ${m.message}`);
}

describe('the runtime imports values from where they are defined', () => {
  test('no runtime source imports a value through a re-export', async () => {
    const errors: string[] = [];
    const files = sources('runtime/src');
    assert.ok(files.length > 50, `found ${files.length} runtime sources`);
    for (const file of files) errors.push(...(await errorsOf(file, fs.readFileSync(path.join(ROOT, file), 'utf8'))));
    assert.deepEqual(errors, []);
  });

  // Probes in runtime/src/stores/: `../policy/index.js` re-exports SlotCache (`export { } from`),
  // `../policy/adaptive.js` re-exports CANDIDATES and createCandidate.
  const reported = [
    "import { SlotCache } from '../policy/index.js';",
    "import { createSlotPolicy, SlotCache as Cache } from '../policy/index.js';",
    "import { CANDIDATES } from '../policy/adaptive.js';",
    "import { type PolicyName, createCandidate } from '../policy/adaptive.js';",
  ];
  for (const line of reported) {
    test(`reported: ${line}`, async () => {
      const errors = await errorsOf('runtime/src/stores/probe.ts', `${line}\n`);
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.match(errors[0]!, /import it from the module that defines it/);
    });
  }

  const allowed = [
    "import { createSlotPolicy, POLICY_NAMES } from '../policy/index.js';", // defined there
    "import type { SlotCache } from '../policy/index.js';", // a type is not code
    "import { type SlotCache } from '../policy/index.js';",
    "import { hashKey } from '../key-hash.js';",
    "import { SlotCache } from '../policy/slot-cache.js';",
  ];
  for (const line of allowed) {
    test(`allowed: ${line}`, async () => {
      assert.deepEqual(await errorsOf('runtime/src/stores/probe.ts', `${line}\n`), []);
    });
  }

  test('outside the runtime (a test, the extension), re-exports may be imported', async () => {
    assert.deepEqual(await errorsOf('test/unit/policy/probe.test.ts', "import { SlotCache } from '../../../runtime/src/policy/index.js';\n"), []);
  });
});
