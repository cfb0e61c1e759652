// The store contract over the in-process stores (memory, lru), the same suite the remote ones run.
import { LruStore } from '../../../runtime/src/stores/lru.js';
import { MemoryStore } from '../../../runtime/src/stores/memory.js';
import { storeContract } from '../../harness/store-contract.js';

storeContract({ name: 'memory', ttl: 'context', copies: false, shared: false, create: (c) => new MemoryStore({ max: 1000 }, c) });
storeContract({ name: 'lru', ttl: 'context', copies: false, shared: false, create: (c) => new LruStore({ max: 1000 }, c) });
