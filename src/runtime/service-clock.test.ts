/** @module Where `meridian serve`'s clock starts over a store that holds times already: a store
 * served in scaled time holds virtual times, ahead of the wall clock, and serving it at
 * --time-scale 1 would carry that virtual clock on as if it were the real one. Real SQLite files
 * and real servers on loopback; the times a scaled run leaves behind are written as it writes them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import type { ReleaseListQuery, Store } from '../ports.ts';
import { MemoryStore } from './memory-store.ts';
import { openStore, type StoreLocation } from './open-store.ts';
import { startService, type RunningService } from './service.ts';
import { AHEAD_TOLERANCE_MS, clockStart, newestRecorded } from './service-clock.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-service-clock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
let n = 0;

function serve(store: StoreLocation, timeScale: number): Promise<RunningService> {
  return startService({ store, port: 0, host: '127.0.0.1', tokensFile: join(dir, 'tokens.json'), timeScale, workDir: join(dir, `work-${++n}`), log: () => {} });
}

/** What a run leaves in the store: a finished release created at `createdAt` and last written at `updatedAt`. */
async function recordRelease(store: Store, id: string, createdAt: number, updatedAt = createdAt, phase = 'completed', service = 'webapp'): Promise<void> {
  await store.createRelease({ id, service, version: 'v2.1.0', createdAt, request: {}, first: { input: { type: 'start', at: createdAt }, phase } });
  if (updatedAt !== createdAt) await store.appendInput(id, 2, { type: 'tick', at: updatedAt }, phase, updatedAt);
}

async function sqliteWith(file: string, fill: (store: Store) => Promise<void>): Promise<StoreLocation> {
  const where: StoreLocation = { kind: 'sqlite', file };
  const opened = await openStore(where);
  await fill(opened.store);
  await opened.close();
  return where;
}

describe('serving a store that was served in scaled time', () => {
  it('refuses --time-scale 1 over a store whose times run 11 months ahead of this machine\'s clock, saying what to do', async () => {
    // A 100000x run for a few minutes of real time leaves times months ahead.
    const ahead = Date.now() + 335 * DAY;
    const file = join(dir, 'scaled.db');
    const where = await sqliteWith(file, (s) => recordRelease(s, 'rel-scaled', Date.now() - DAY, ahead));
    const refused = await serve(where, 1).then(async (s) => { await s.close(); return null; }, (e: unknown) => e);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toBe(
      `${file} holds times up to ${new Date(ahead).toISOString().slice(0, 16)}Z, 11 months ahead of this machine's clock: it was served with --time-scale. `
      + 'Serve it again with --time-scale N, or start on a new --db.',
    );
  });

  it('goes on from the newest recorded moment when served scaled again, and says so', async () => {
    const ahead = Date.now() + 40 * DAY;
    const file = join(dir, 'scaled-again.db');
    const where = await sqliteWith(file, (s) => recordRelease(s, 'rel-a', Date.now(), ahead));
    const s = await serve(where, 600);
    try {
      const time = s.describe.find((l) => l.startsWith('  time:'));
      expect(time).toBe(`  time: 600x faster than real time (simulated providers only), going on from ${new Date(ahead).toISOString().slice(0, 16)}Z, the newest moment ${file} holds (40 days ahead of this machine's clock)`);
    } finally {
      await s.close();
    }
  });

  it('says, when a store of real-time releases is first served scaled, that it will hold virtual times from then on', async () => {
    const file = join(dir, 'real-time.db');
    const past = Date.parse('2026-03-02T10:00:00Z');
    const where = await sqliteWith(file, (s) => recordRelease(s, 'rel-real', past));
    const s = await serve(where, 600);
    try {
      expect(s.describe.find((l) => l.startsWith('  time:'))).toBe(
        `  time: 600x faster than real time (simulated providers only), starting now; ${file} holds releases recorded up to 2026-03-02T10:00Z. `
        + 'From now on it records virtual times, ahead of this machine\'s clock, so serving it at --time-scale 1 is refused until the wall clock passes them (use a new --db to keep it as it is)',
      );
    } finally {
      await s.close();
    }
  });

  it('serves --time-scale 1 over real-time releases, and over times a little ahead (clocks of two machines), never going back', async () => {
    const file = join(dir, 'skew.db');
    const skew = Date.now() + 60_000;
    const where = await sqliteWith(file, (s) => recordRelease(s, 'rel-skew', Date.now() - DAY, skew));
    const s = await serve(where, 1);
    try {
      expect(s.describe.some((l) => l.startsWith('  time:'))).toBe(false);
      const { id } = await s.controller.start({ version: 'v2.1.0' }, { user: 'olga', groups: [], role: 'operator' });
      expect(Date.parse((await s.controller.get(id)).startedAt)).toBeGreaterThanOrEqual(skew);
    } finally {
      await s.close();
    }
  });
});

describe('the newest recorded moment', () => {
  it('is found among the newest few releases and every active one, not by reading every release', async () => {
    const store = new MemoryStore();
    const t = Date.parse('2026-03-02T10:00:00Z');
    // An old release of one service still running, written last; 30 releases of another created after it, finished early.
    await recordRelease(store, 'rel-old', t, t + 10 * DAY, 'running', 'search');
    for (let i = 0; i < 30; i++) await recordRelease(store, `rel-${String(i).padStart(2, '0')}`, t + DAY + i * 60_000);
    const asked: Array<number | undefined> = [];
    const watched = new Proxy(store, {
      get(target, key: keyof Store) {
        if (key === 'listReleases') return (q?: ReleaseListQuery) => { asked.push(q?.limit); return target.listReleases(q); };
        const value = target[key];
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    expect(await newestRecorded(watched)).toBe(t + 10 * DAY);
    expect(asked).toEqual([20]);
  });

  it('is null in an empty store', async () => {
    expect(await newestRecorded(new MemoryStore())).toBeNull();
  });
});

describe('where the clock starts', () => {
  const wall = Date.parse('2026-03-02T10:00:00Z');
  const sqlite: StoreLocation = { kind: 'sqlite', file: 'meridian.db' };

  it('at 1x: the wall clock, or the newest moment when that is ahead by less than the tolerance', () => {
    expect(clockStart({ timeScale: 1, wallNow: wall, newest: null, store: sqlite })).toEqual({ start: wall, notice: null });
    expect(clockStart({ timeScale: 1, wallNow: wall, newest: wall - DAY, store: sqlite })).toEqual({ start: wall, notice: null });
    expect(clockStart({ timeScale: 1, wallNow: wall, newest: wall + AHEAD_TOLERANCE_MS, store: sqlite })).toEqual({ start: wall + AHEAD_TOLERANCE_MS, notice: null });
  });

  it('at 1x: refuses times further ahead, in the words of the store it was given', () => {
    const at = (newest: number, store: StoreLocation = sqlite) => () => clockStart({ timeScale: 1, wallNow: wall, newest, store });
    expect(at(wall + AHEAD_TOLERANCE_MS + 60_000)).toThrow(new UsageError('meridian.db holds times up to 2026-03-02T10:06Z, 6 minutes ahead of this machine\'s clock: it was served with --time-scale. Serve it again with --time-scale N, or start on a new --db.'));
    expect(at(wall + 30 * 3_600_000)).toThrow(/holds times up to 2026-03-03T16:00Z, 30 hours ahead/);
    expect(at(wall + 3 * 365 * DAY)).toThrow(/, 3 years ahead/);
    expect(at(wall + 2 * DAY, { kind: 'postgres', url: 'postgresql://meridian:secret@db:5432/meridian' })).toThrow(new UsageError(
      'the PostgreSQL database holds times up to 2026-03-04T10:00Z, 2 days ahead of this machine\'s clock: it was served with --time-scale. Serve it again with --time-scale N, or start on a new --postgres database.',
    ));
  });

  it('scaled: from the newest moment when it is ahead, else from now', () => {
    expect(clockStart({ timeScale: 600, wallNow: wall, newest: wall + DAY, store: sqlite }).start).toBe(wall + DAY);
    expect(clockStart({ timeScale: 600, wallNow: wall, newest: wall - DAY, store: sqlite }).start).toBe(wall);
    expect(clockStart({ timeScale: 600, wallNow: wall, newest: null, store: { kind: 'memory' } })).toEqual({ start: wall, notice: 'time: 600x faster than real time (simulated providers only), starting now' });
    expect(clockStart({ timeScale: 600, wallNow: wall, newest: null, store: sqlite }).notice).toBe(
      'time: 600x faster than real time (simulated providers only), starting now; meridian.db records virtual times, ahead of this machine\'s clock, so serving it at --time-scale 1 is refused until the wall clock passes them',
    );
  });
});
