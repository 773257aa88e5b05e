/**
 * @module Synthetic per-minute metrics for calibrating comparison gates: one canary region and a
 * pool of stable regions over a bake, with the things that make real per-minute samples hard, all
 * from a seeded generator, so every bake is the same on every run.
 *
 * Each region's value at minute t is level(t) × (1 + cv × amplitude(t) × x(t)), clipped at 0:
 * - level(t): a diurnal level shared by every region (±30% over the day);
 * - amplitude(t): each region's own diurnal noise (±50%, at its own phase: a region is noisiest in
 *   its night, when it serves fewest requests);
 * - x(t): AR(1) noise with correlation `rho` minute to minute, heavy-tailed: innovations from a
 *   contaminated normal (one in twenty has 3× the spread), scaled to unit variance.
 * The canary's value is multiplied by `factor` from minute `onset` on (a regression of the new version).
 *
 * The draws come from mulberry32 seeded per bake: sequential, so a bake of 1,440 minutes and nine
 * regions costs about a millisecond and 2,000 bakes fit in a unit test.
 */
import { baselineCenter } from './baseline.ts';
import type { MinuteSample } from './types.ts';

export interface SyntheticBake {
  minutes: number;
  /** Stable regions in the pool. */
  pool: number;
  /** Mean level of the metric (0.002 for an error rate, 150 for a p99 latency in ms). */
  level: number;
  /** Relative noise of one region's one-minute sample. */
  cv: number;
  rho: number;
  /** The canary's regression: its values × factor from minute `onset` (default: none). */
  factor?: number;
  onset?: number;
}

const MINUTE = 60_000;

/** mulberry32 (Tommy Ettinger's 32-bit generator): uniform in [0, 1) from a seed, then standard normals by Box–Muller. */
function generator(seed: number): { uniform: () => number; normal: () => number } {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare = NaN;
  const normal = (): number => {
    if (!Number.isNaN(spare)) {
      const z = spare;
      spare = NaN;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const th = 2 * Math.PI * uniform();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
  return { uniform, normal };
}
/** Innovations: N(0, 1), with probability 1/20 N(0, 9); variance 0.95 + 0.45 = 1.4. */
const CONTAMINATED_SD = Math.sqrt(1.4);
const SIN_DAY = Float64Array.from({ length: 1440 }, (_, t) => Math.sin((2 * Math.PI * t) / 1440));
const COS_DAY = Float64Array.from({ length: 1440 }, (_, t) => Math.cos((2 * Math.PI * t) / 1440));

/** The bake's minutes as the gate sees them: minute i starts at `start + i·1m`; baseline = fenced pool mean. */
export function syntheticBake(spec: SyntheticBake, seed: number, start = 0): MinuteSample[] {
  const { minutes, pool, level, cv, rho } = spec;
  const factor = spec.factor ?? 1;
  const onset = spec.onset ?? 0;
  const regions = pool + 1; // region 0 is the canary
  const { uniform, normal } = generator(seed * 0x9e3779b1);
  const x = new Float64Array(regions);
  // sin(φ + θ) = sin φ cos θ + cos φ sin θ: one table of the day's θ serves every phase.
  const sinPhase = new Float64Array(regions);
  const cosPhase = new Float64Array(regions);
  for (let r = 0; r < regions; r++) {
    x[r] = normal();
    const phase = 2 * Math.PI * uniform();
    sinPhase[r] = Math.sin(phase);
    cosPhase[r] = Math.cos(phase);
  }
  const dayPhase = 2 * Math.PI * uniform();
  const [sinDay, cosDay] = [Math.sin(dayPhase), Math.cos(dayPhase)];
  const innovation = Math.sqrt(1 - rho * rho);
  const values = new Float64Array(pool);
  const out: MinuteSample[] = [];
  for (let t = 0; t < minutes; t++) {
    const [sinT, cosT] = [SIN_DAY[t % 1440]!, COS_DAY[t % 1440]!];
    const common = level * (1 + 0.3 * (sinDay * cosT + cosDay * sinT));
    let canary = 0;
    for (let r = 0; r < regions; r++) {
      const wide = uniform() < 0.05 ? 3 : 1;
      x[r] = rho * x[r]! + (innovation * wide * normal()) / CONTAMINATED_SD;
      const amplitude = 1 + 0.5 * (sinPhase[r]! * cosT + cosPhase[r]! * sinT);
      const v = Math.max(0, common * (1 + cv * amplitude * x[r]!));
      if (r === 0) canary = t >= onset ? v * factor : v;
      else values[r - 1] = v;
    }
    out.push({ at: start + t * MINUTE, canary, baseline: baselineCenter(values) });
  }
  return out;
}
