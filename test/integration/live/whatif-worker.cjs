// The what-if worker's TypeScript source, run in a worker thread through tsx (tests only: the
// extension starts the webpack bundle dist/extension/whatif-worker.js instead).
require('tsx/cjs');
require('../../../extension/src/whatif/worker.ts');
