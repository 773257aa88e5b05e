/** @module Tests of the push backoff: exponential with full jitter, capped, and a virtual timer for tests. */
import { describe, expect, it } from 'vitest';
import { backoffDelay, virtualTimer } from './backoff.ts';

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt from the base up to the cap, and draws uniformly below it', () => {
    const top = (attempt: number) => backoffDelay(attempt, { baseMs: 50, maxMs: 1000 }, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6, 40].map((a) => Math.round(top(a)))).toEqual([50, 100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, { baseMs: 50, maxMs: 1000 }, () => 0.5)).toBe(100);
    expect(backoffDelay(3, { baseMs: 50, maxMs: 1000 }, () => 0)).toBe(0);
  });
});

describe('virtualTimer', () => {
  it('moves its time only by what it is asked to sleep', async () => {
    const t = virtualTimer(1000);
    await t.sleep(250);
    await t.sleep(0);
    expect(t.now()).toBe(1250);
  });
});
