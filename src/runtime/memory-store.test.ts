/** @module MemoryStore runs the Store contract suite, and keeps inputs as given and compacted for runs in virtual time. */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.ts';
import { storeContract } from './store-contract.test-helper.ts';

storeContract('MemoryStore', async () => new MemoryStore());

describe('a MemoryStore for a run in virtual time', () => {
  it('keeps the inputs as given, and drops ticks and gate rounds at or before a snapshot, keeping what a person or a provider did', async () => {
    const store = new MemoryStore({ inputs: 'as-given', compact: true });
    const start = { type: 'start', n: 1 };
    await store.createRelease({ id: 'r', service: 's', version: 'v2', createdAt: 0, request: {}, first: { input: start, phase: 'running' } });
    const inputs = [{ type: 'tick' }, { type: 'gates', evaluations: [] }, { type: 'deployed', ring: 'ring-0' }, { type: 'tick' }, { type: 'gates', evaluations: [] }];
    for (const [i, input] of inputs.entries()) await store.appendInput('r', i + 2, input, 'running', i);
    await store.saveSnapshot('r', 4, { at: 'seq 4' });
    expect((await store.inputs('r')).map((i) => [i.seq, (i.input as { type: string }).type])).toEqual([[1, 'start'], [4, 'deployed'], [5, 'tick'], [6, 'gates']]);
    expect((await store.inputs('r'))[0]!.input).toBe(start);
    // Numbering goes on from the last input recorded, not the last one kept.
    await store.appendInput('r', 7, { type: 'tick' }, 'running', 7);
    await expect(store.appendInput('r', 9, { type: 'tick' }, 'running', 9)).rejects.toThrow('release r: input 9 would leave a gap (the next is 8)');
    expect(await store.latestSnapshot('r')).toEqual({ seq: 4, state: { at: 'seq 4' } });
  });
});
