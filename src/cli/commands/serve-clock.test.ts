/** @module `meridian serve` over a store served in scaled time: at --time-scale 1 it refuses, with
 * the documented exit code (2, a usage error) and one line saying what to do, before it listens. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../runtime/open-store.ts';
import { EXIT } from '../exit-codes.ts';
import { cli } from '../run.test-helper.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-serve-clock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('meridian serve --time-scale 1 over a store served in scaled time', () => {
  it('refuses to start, saying how far ahead the store is and what to do', async () => {
    const db = join(dir, 'meridian.db');
    const ahead = Date.now() + 400 * 86_400_000;
    const opened = await openStore({ kind: 'sqlite', file: db });
    await opened.store.createRelease({ id: 'rel-1', service: 'webapp', version: 'v2.1.0', createdAt: ahead, request: {}, first: { input: { type: 'start', at: ahead }, phase: 'completed' } });
    await opened.close();
    const r = await cli('serve', '--db', db, '--port', '0', '--tokens', join(dir, 'tokens.json'), '--work-dir', join(dir, 'work'));
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toBe(`meridian: ${db} holds times up to ${new Date(ahead).toISOString().slice(0, 16)}Z, 13 months ahead of this machine's clock: it was served with --time-scale. Serve it again with --time-scale N, or start on a new --db.\n`);
    expect(r.out).toBe('');
  });
});
