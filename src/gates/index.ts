/**
 * @module The gate evaluators' public face: schedules, threshold and comparison checks, the
 * Mann–Whitney test and the consecutive-result tracker. Pure; the engine calls these.
 */
export * from './types.ts';
export * from './schedule.ts';
export * from './threshold.ts';
export * from './mann-whitney.ts';
export * from './comparison.ts';
export * from './tracker.ts';
