/**
 * @module The Hooks contract: what every implementation of the Hooks port (ports.ts) must do, run
 * from each implementation's own test file with a hook that succeeds and one that fails.
 *
 * A hook that fails rejects with an AdapterError (the runtime turns it into hook-failed and the
 * engine halts the release) whose one-line message names the step and says how it failed, and
 * never carries a secret the hook holds: the message goes to the release's events, the audit log
 * and the dashboard.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HookContext, Hooks } from '../ports.ts';
import { adapterErrorOf, expectNothingOf } from './adapter-error.test-helper.ts';

export type HookDefinition = Parameters<Hooks['run']>[0];

export interface HookCase {
  hook: HookDefinition;
  context: HookContext;
}

export interface HooksFixture {
  hooks: Hooks;
  /** A hook that succeeds. */
  passing: HookCase;
  /**
   * A hook that fails, and what its message must say about how (`exited with status 3`,
   * `answered 503`). What it says when failing holds `secret`.
   */
  failing: HookCase & { says: string };
  /** A secret the failing hook knows (its environment, its URL) and repeats in what it says. */
  secret: string;
  close?(): Promise<void>;
}

export function hooksContract(name: string, make: () => Promise<HooksFixture>): void {
  describe(`${name} (the Hooks contract)`, () => {
    const open: HooksFixture[] = [];
    async function fresh(): Promise<HooksFixture> {
      const f = await make();
      open.push(f);
      return f;
    }
    afterEach(async () => {
      for (const f of open.splice(0)) await f.close?.();
    });

    it('resolves when the hook succeeds', async () => {
      const f = await fresh();
      await expect(f.hooks.run(f.passing.hook, f.passing.context)).resolves.toBeUndefined();
    });

    it('rejects a failing hook with an AdapterError that names its step and says how it failed, on one line', async () => {
      const f = await fresh();
      const e = await adapterErrorOf(f.hooks.run(f.failing.hook, f.failing.context));
      expect(e.message.startsWith(`hook ${f.failing.context.step}`), e.message).toBe(true);
      expect(e.message).toContain(f.failing.says);
    });

    it('keeps the secret the hook knows out of the message', async () => {
      const f = await fresh();
      expectNothingOf(f.secret, (await adapterErrorOf(f.hooks.run(f.failing.hook, f.failing.context))).message);
    });
  });
}
