/** @module MemoryStore runs the Store contract suite. */
import { MemoryStore } from './memory-store.ts';
import { storeContract } from './store-contract.test-helper.ts';

storeContract('MemoryStore', async () => new MemoryStore());
