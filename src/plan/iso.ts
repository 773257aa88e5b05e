/**
 * @module Instants as people read them: `2026-12-27T00:00:00Z` (seconds, milliseconds only when
 * present) and `2026-03-02 09:00Z` (minutes, for tables). Always UTC. Pure.
 */

/** `2026-12-27T00:00:00Z`; `2026-12-27T00:00:00.250Z` when the instant has milliseconds. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** `2026-03-02 09:00Z` (seconds are dropped, not rounded). */
export function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}
