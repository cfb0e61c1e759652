// The runtime as built (runtime/dist/cjs, tsc's output: what apps run), for the benches that
// import its parts: run from the sources through tsx, functions made per call would carry the
// transpiler's naming helper, which the built code does not. One place, so that every part comes
// from the same module instances (the config the stores read is the one `reloadConfig` reloads).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const dist = join(__dirname, '..', 'runtime', 'dist', 'cjs');
if (!existsSync(join(dist, 'index.js'))) {
  process.stderr.write('runtime/dist is missing: run `npm run build -w cachelens` first.\n');
  process.exit(1);
}
const load = createRequire(__filename);

export const { memoize, cacheOf, reloadConfig } = load(join(dist, 'index.js')) as typeof import('../runtime/src/index.js');
export const { MemoryStore } = load(join(dist, 'stores', 'memory.js')) as typeof import('../runtime/src/stores/memory.js');
export const { createDiskStore } = load(join(dist, 'stores', 'disk.js')) as typeof import('../runtime/src/stores/disk.js');
export const { createMemcachedStore } = load(join(dist, 'stores', 'memcached.js')) as typeof import('../runtime/src/stores/memcached.js');
export const { createRedisStore } = load(join(dist, 'stores', 'redis.js')) as typeof import('../runtime/src/stores/redis.js');
export const { createTieredStore } = load(join(dist, 'stores', 'tiered.js')) as typeof import('../runtime/src/stores/tiered.js');
export const { MISS } = load(join(dist, 'stores', 'types.js')) as typeof import('../runtime/src/stores/types.js');
export const { createCodec } = load(join(dist, 'stores', 'serialize.js')) as typeof import('../runtime/src/stores/serialize.js');
