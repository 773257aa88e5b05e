/**
 * @module The simulator's local clock of a region: the zone clock of plan/zone-time.ts, where all
 * offset arithmetic lives (block-cached offsets, offset changes, local minute of the day).
 */
export { LocalTime } from '../plan/zone-time.ts';
