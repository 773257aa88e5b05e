/**
 * @module Where `meridian serve`'s clock starts over a store that already holds times. Scaled time
 * (`--time-scale N`) runs ahead of the wall clock, and a store served so keeps those virtual times:
 * served again scaled, its clock goes on from the newest recorded moment (never back); served at
 * `--time-scale 1`, a store whose times are ahead of this machine's clock by more than a few
 * minutes (the clocks of two machines, a brief scaled run) is refused, since its clock would go on
 * as if virtual time were real. Nothing is written: the store's schema has no field for the scale.
 */
import { UsageError } from '../errors.ts';
import { isoMinute } from '../plan/iso.ts';
import type { Store } from '../ports.ts';
import type { StoreLocation } from './open-store.ts';

/** How far recorded times may run ahead of the wall clock at --time-scale 1. */
export const AHEAD_TOLERANCE_MS = 5 * 60_000;

/** How many of the newest releases (by creation) are read for the newest recorded moment. */
export const NEWEST_FEW = 20;

/**
 * The newest moment the store recorded: the latest `updatedAt` of every active release and of the
 * newest few releases, and the start of every freeze in force; null when it holds none. The store
 * lists releases newest first by creation, not by last write: a long release of one service is
 * written after shorter ones of others created later. The release written last is either still
 * active (read, every one: at most one per service) or ended, and then among the newest few unless
 * more than NEWEST_FEW releases were created after it while it ran; a miss starts the clock no later
 * than the true newest moment minus that release's overlap, and nothing active is ever missed.
 */
export async function newestRecorded(store: Store): Promise<number | null> {
  const [newest, active, freezes] = await Promise.all([store.listReleases({ limit: NEWEST_FEW }), store.activeReleases(), store.activeFreezes()]);
  let max: number | null = null;
  for (const r of [...newest, ...active]) max = Math.max(max ?? r.updatedAt, r.updatedAt);
  for (const f of freezes) max = Math.max(max ?? f.startedAt, f.startedAt);
  return max;
}

/** The store as a message names it, and the flag that gives another. */
function named(store: StoreLocation): { name: string; other: string } | null {
  switch (store.kind) {
    case 'sqlite': return { name: store.file, other: '--db' };
    case 'postgres': return { name: 'the PostgreSQL database', other: '--postgres database' };
    case 'memory': return null;
  }
}

/** `6 minutes`, `30 hours`, `40 days`, `11 months`, `3 years`: how far ahead, in the largest unit that reads well. */
export function aheadWords(ms: number): string {
  const unit = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return unit(minutes, 'minute');
  const hours = Math.round(ms / 3_600_000);
  if (hours < 48) return unit(hours, 'hour');
  const days = Math.round(ms / 86_400_000);
  if (days < 60) return unit(days, 'day');
  const months = Math.round(days / 30.44);
  if (months < 24) return unit(months, 'month');
  return unit(Math.round(days / 365.25), 'year');
}

export interface ClockStart {
  /** What the clock reads when the server starts. */
  start: number;
  /** What to tell a person on start about the time (the `time:` line), or null at 1x. */
  notice: string | null;
}

/**
 * Where the clock starts, given the scale, the wall clock and the newest recorded moment. At 1x a
 * store ahead by more than AHEAD_TOLERANCE_MS is a UsageError (exit 2) saying what to do.
 */
export function clockStart(o: { timeScale: number; wallNow: number; newest: number | null; store: StoreLocation }): ClockStart {
  const { timeScale, wallNow, newest } = o;
  const store = named(o.store);
  const ahead = newest === null ? 0 : newest - wallNow;
  if (timeScale === 1) {
    if (ahead > AHEAD_TOLERANCE_MS) {
      const name = store?.name ?? 'the store';
      throw new UsageError(`${name} holds times up to ${isoMinute(newest!)}, ${aheadWords(ahead)} ahead of this machine's clock: it was served with --time-scale. Serve it again with --time-scale N, or start on a new ${store?.other ?? 'store'}.`);
    }
    return { start: Math.max(wallNow, newest ?? wallNow), notice: null };
  }
  const speed = `time: ${timeScale}x faster than real time (simulated providers only)`;
  if (newest !== null && ahead > 0) {
    return { start: newest, notice: `${speed}, going on from ${isoMinute(newest)}, the newest moment ${store?.name ?? 'the store'} holds (${aheadWords(ahead)} ahead of this machine's clock)` };
  }
  if (!store) return { start: wallNow, notice: `${speed}, starting now` };
  const refusedAtOne = 'so serving it at --time-scale 1 is refused until the wall clock passes them';
  if (newest === null) return { start: wallNow, notice: `${speed}, starting now; ${store.name} records virtual times, ahead of this machine's clock, ${refusedAtOne}` };
  return {
    start: wallNow,
    notice: `${speed}, starting now; ${store.name} holds releases recorded up to ${isoMinute(newest)}. From now on it records virtual times, ahead of this machine's clock, ${refusedAtOne} (use a new ${store.other} to keep it as it is)`,
  };
}
