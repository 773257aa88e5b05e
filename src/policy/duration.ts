/**
 * @module Durations as people write them in policies (`30m`, `4h`, `1d12h`, `90s`) and their
 * canonical printed form. Pure.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const DURATION_RE = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Milliseconds for a duration string, or undefined when the string is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m || text.trim() === '') return undefined;
  const [, d, h, min, s] = m;
  return (Number(d ?? 0) * DAY) + (Number(h ?? 0) * HOUR) + (Number(min ?? 0) * MINUTE) + Number(s ?? 0) * 1000;
}

/** The canonical form of a duration: `1d12h`, `45m`, `0m`. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0m';
  let rest = Math.round(ms / 1000);
  const d = Math.floor(rest / 86400); rest -= d * 86400;
  const h = Math.floor(rest / 3600); rest -= h * 3600;
  const m = Math.floor(rest / 60); rest -= m * 60;
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', rest ? `${rest}s` : ''];
  return parts.join('') || '0m';
}

export const DURATION_PATTERN = DURATION_RE.source;
