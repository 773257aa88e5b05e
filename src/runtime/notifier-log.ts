/**
 * @module The delivery log of notifications: per release, the newest LOG_ENTRIES attempts (each
 * attempt of each notification to each sink is one entry), for the newest LOG_RELEASES releases
 * written to (the release that waits longest for a new entry goes first). In memory only: it
 * starts empty when the server starts. Paged oldest first as every list of the API
 * (page-cursor.ts); the cursor is an entry's sequence number, so it stays valid as old entries go.
 */
import type { Page } from './controller-types.ts';
import type { NotificationEntry, NotificationQuery } from './notifier-types.ts';
import { issueCursor, parseLimit, readCursor } from './page-cursor.ts';

/** Entries kept per release. */
export const LOG_ENTRIES = 100;
/** Releases whose log is kept. */
export const LOG_RELEASES = 500;

interface Logged {
  seq: number;
  entry: NotificationEntry;
}

interface ReleaseLog {
  /** The sequence number of the last entry written. */
  seq: number;
  entries: Logged[];
}

const NO_FILTERS: unknown[] = [];

export class NotificationLog {
  readonly #logs = new Map<string, ReleaseLog>();
  readonly #perRelease: number;
  readonly #releases: number;

  constructor(opts: { perRelease?: number; releases?: number } = {}) {
    this.#perRelease = opts.perRelease ?? LOG_ENTRIES;
    this.#releases = opts.releases ?? LOG_RELEASES;
  }

  add(releaseId: string, entry: NotificationEntry): void {
    const log = this.#logs.get(releaseId) ?? { seq: 0, entries: [] };
    // Most recently written last: the first in the map is the one to let go.
    this.#logs.delete(releaseId);
    this.#logs.set(releaseId, log);
    log.seq += 1;
    log.entries.push({ seq: log.seq, entry });
    if (log.entries.length > this.#perRelease) log.entries.splice(0, log.entries.length - this.#perRelease);
    if (this.#logs.size > this.#releases) this.#logs.delete(this.#logs.keys().next().value!);
  }

  /** Every entry kept for the release, oldest first. */
  entries(releaseId: string): NotificationEntry[] {
    return (this.#logs.get(releaseId)?.entries ?? []).map((l) => l.entry);
  }

  /** One page of the release's entries, oldest first. UsageError for a bad limit or a cursor not issued here. */
  page(releaseId: string, query: NotificationQuery): Page<NotificationEntry> {
    const limit = parseLimit(query.limit);
    const after = readCursor(query.cursor, NO_FILTERS, (at): at is number => typeof at === 'number' && Number.isInteger(at) && at >= 0) ?? 0;
    const kept = this.#logs.get(releaseId)?.entries ?? [];
    const rest = kept.filter((l) => l.seq > after);
    const items = rest.slice(0, limit);
    const last = items[items.length - 1];
    return { items: items.map((l) => l.entry), next: rest.length > limit && last ? issueCursor(last.seq, NO_FILTERS) : null };
  }
}
