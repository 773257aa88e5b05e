/**
 * @module Instants as people read them, always UTC, in one place: `2026-12-27T00:00:00Z` (seconds,
 * milliseconds only when present), `2026-03-03T09:00Z` (event details), `2026-03-02 09:00Z`
 * (tables) and `09:00Z` (a time of day in a gate's sentence). Pure.
 */

/** `2026-12-27T00:00:00Z`; `2026-12-27T00:00:00.250Z` when the instant has milliseconds. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** `2026-03-02 09:00Z` (seconds are dropped, not rounded). */
export function tableMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** `2026-03-03T09:00Z`: an instant as event details show it (ISO 8601, to the minute). */
export function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

/** `09:00Z`: the UTC time of day. */
export function clockUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)}Z`;
}
