/**
 * For one suite (unit, integration or drill): `use(content)` writes `content` as a config file and
 * points CACHELENS_CONFIG at it (the process config re-read); after the suite, the variable is
 * restored and the folder removed. `dir` is that folder, for files a config names (a disk cache).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { reloadConfig } from '../../runtime/src/config.js';

export function configFiles(prefix: string): { dir: string; use(content: unknown): string } {
  const previous = process.env.CACHELENS_CONFIG;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  let n = 0;
  after(() => {
    if (previous === undefined) delete process.env.CACHELENS_CONFIG;
    else process.env.CACHELENS_CONFIG = previous;
    reloadConfig();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    use(content) {
      const file = path.join(dir, `cachelens-${++n}.config.json`);
      fs.writeFileSync(file, JSON.stringify(content));
      process.env.CACHELENS_CONFIG = file;
      reloadConfig();
      return file;
    },
  };
}
