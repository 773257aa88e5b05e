/** @module Tests of the Mann–Whitney U test, the Hodges–Lehmann shift and the normal CDF against published values. */
import { describe, expect, it } from 'vitest';
import { erfc, exactUCounts, hodgesLehmann, mannWhitney, MAX_PAIRS, median, normalCdf } from './mann-whitney.ts';

/** P(U ≥ u) for n1, n2 distinct values, by enumerating every way to choose a's ranks among 1…n1+n2. */
function bruteForcePGreater(n1: number, n2: number, u: number): number {
  let total = 0;
  let atLeast = 0;
  const choose = (start: number, left: number, rankSum: number): void => {
    if (left === 0) {
      total++;
      if (rankSum - (n1 * (n1 + 1)) / 2 >= u) atLeast++;
      return;
    }
    for (let r = start; r <= n1 + n2 - left + 1; r++) choose(r + 1, left - 1, rankSum + r);
  };
  choose(1, n1, 0);
  return atLeast / total;
}

describe('the standard normal CDF', () => {
  it('matches tabulated values to 1e-7', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 7);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-2.3263478740408408)).toBeCloseTo(0.01, 7);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 7);
  });

  it('keeps its relative accuracy far in the tail', () => {
    // Φ(−6) = 9.865876450377e-10; erfc(3) = 2.209049699858544e-5
    expect(Math.abs(normalCdf(-6) / 9.865876450377e-10 - 1)).toBeLessThan(2e-7);
    expect(Math.abs(erfc(3) / 2.209049699858544e-5 - 1)).toBeLessThan(2e-7);
    expect(erfc(-3)).toBeCloseTo(2 - 2.209049699858544e-5, 7);
  });
});

describe('the Mann–Whitney U test', () => {
  it("counts Wikipedia's tortoise and hare race: U = 11 for the tortoises, 25 for the hares", () => {
    // https://en.wikipedia.org/wiki/Mann%E2%80%93Whitney_U_test, "Illustration of calculation methods":
    // finishing order T H H H H H T T T T T H gives U_T = 11 and U_H = 25; with the critical value
    // 5 for n1 = n2 = 6 at the 5% level (two-sided) the difference is not significant.
    const tortoises = [1, 7, 8, 9, 10, 11]; // finishing positions: a larger one means slower
    const hares = [2, 3, 4, 5, 6, 12];
    const tortoisesWin = mannWhitney(hares, tortoises); // pairs in which the hare finished later
    const haresWin = mannWhitney(tortoises, hares);
    expect(tortoisesWin.u).toBe(11);
    expect(haresWin.u).toBe(25);
    // Exact (no ties, small samples): P(U ≤ 11) = 143/924 over the C(12, 6) = 924 arrangements.
    expect(tortoisesWin.pLess).toBeCloseTo(143 / 924, 12);
    expect(tortoisesWin.pTwoSided).toBeCloseTo(286 / 924, 12);
    expect(tortoisesWin.pTwoSided).toBeGreaterThan(0.05);
    expect(haresWin.pGreater).toBeCloseTo(143 / 924, 12);
  });

  it("reproduces R's documented example: W = 35, p-value = 0.1272 (exact), location shift 0.305", () => {
    // R, ?wilcox.test, "Two-sample test. Hollander & Wolfe (1973), 69f.": permeability constants
    // of the human chorioamnion; wilcox.test(x, y, alternative = "g") prints W = 35, p-value = 0.1272,
    // and with conf.int = TRUE the difference in location 0.305.
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitney(x, y);
    expect(r.u).toBe(35);
    expect(r.pGreater).toBeCloseTo(382 / 3003, 12); // 0.12720612…; 382 of the C(15, 5) = 3003 arrangements
    expect(r.pGreater.toPrecision(4)).toBe('0.1272');
    expect(r.pTwoSided).toBeCloseTo(764 / 3003, 12);
    expect(r.shift).toBeCloseTo(0.305, 12);
  });

  it('uses the normal approximation with tie and continuity corrections when there are ties: W = 58, p = 0.06646', () => {
    // The depression-scale data of R's ?wilcox.test (Hollander & Wolfe 1973, p. 29), taken as two
    // independent samples: wilcox.test(x, y, alternative = "greater"). y holds two pairs of ties
    // (1.06, 1.29), so R leaves the exact test: σ² = (81/12)·(19 − 12/(18·17)) = 127.985,
    // z = (58 − 40.5 − 0.5)/σ = 1.50270, p = 1 − Φ(z) = 0.06646 (two-sided 0.1329, "less" 0.9442).
    // SciPy's mannwhitneyu(x, y, alternative='greater', method='asymptotic') gives 0.0664597.
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = mannWhitney(x, y);
    expect(r.u).toBe(58);
    expect(r.pGreater).toBeCloseTo(0.0664597, 6);
    expect(r.pGreater.toPrecision(4)).toBe('0.06646');
    expect(r.pTwoSided).toBeCloseTo(0.1329195, 6);
    expect(r.pLess).toBeCloseTo(0.9442044, 6);
    expect(r.z).toBeCloseTo(17.5 / Math.sqrt((81 / 12) * (19 - 12 / 306)), 12);
    expect(r.shift).toBeCloseTo(0.56, 12);
  });

  it('gives exact p-values that agree with enumerating every arrangement', () => {
    for (const [n1, n2] of [[6, 6], [4, 9], [1, 7], [7, 3]] as const) {
      const counts = exactUCounts(n1, n2);
      expect(counts.length).toBe(n1 * n2 + 1);
      for (let u = 0; u <= n1 * n2; u++) {
        const upper = counts.slice(u).reduce((s, c) => s + c, 0) / counts.reduce((s, c) => s + c, 0);
        expect(upper).toBeCloseTo(bruteForcePGreater(n1, n2, u), 12);
      }
    }
  });

  it('counts C(40, 20) arrangements for the largest exact case, 20 against 20', () => {
    const counts = exactUCounts(20, 20);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(137846528820);
    expect(counts[0]).toBe(1);
    expect(counts[400]).toBe(1);
    expect(counts[1]).toBe(1);
    expect(counts[2]).toBe(2);
  });

  it('swapping the samples mirrors U and the one-sided p-values', () => {
    const a = [3.1, 4.5, 2.2, 5.9, 4.4, 3.3, 6.1];
    const b = [2.9, 1.8, 3.0, 2.5, 4.0, 2.1];
    const ab = mannWhitney(a, b);
    const ba = mannWhitney(b, a);
    expect(ab.u + ba.u).toBe(a.length * b.length);
    expect(ba.pGreater).toBeCloseTo(ab.pLess, 12);
    expect(ba.pTwoSided).toBeCloseTo(ab.pTwoSided, 12);
    expect(ba.shift).toBeCloseTo(-ab.shift, 12);
  });

  it('finds no evidence either way when every value is the same', () => {
    const r = mannWhitney([1, 1, 1, 1, 1], [1, 1, 1, 1, 1]);
    expect(r).toEqual({ u: 12.5, z: 0, pGreater: 1, pLess: 1, pTwoSided: 1, shift: 0 });
  });

  it('refuses an empty side or NaN', () => {
    expect(() => mannWhitney([], [1])).toThrow('mannWhitney needs at least one value on each side (got 0 and 1)');
    expect(() => mannWhitney([1, NaN], [1])).toThrow('mannWhitney: samples must not contain NaN');
  });
});

describe('the Hodges–Lehmann shift', () => {
  it('is the median of all pairwise differences', () => {
    expect(hodgesLehmann([10, 20], [1, 2, 3])).toBe(13); // differences 7 8 9 17 18 19
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it(`thins large samples deterministically to at most ${MAX_PAIRS} pairs and still finds the shift`, () => {
    const b = Array.from({ length: 1200 }, (_, i) => Math.sin(i) * 10); // spread over [−10, 10]
    const a = Array.from({ length: 900 }, (_, i) => Math.sin(i * 1.3) * 10 + 2.5);
    const first = hodgesLehmann(a, b);
    expect(hodgesLehmann(a, b)).toBe(first);
    expect(hodgesLehmann([...a].reverse(), b)).toBe(first);
    expect(Math.abs(first - 2.500336875788043)).toBeLessThan(0.02); // the median of all 1,080,000 differences
    const narrow = Array.from({ length: 300 }, (_, i) => i / 100 + 1);
    const wide = Array.from({ length: 5000 }, (_, i) => i / 2000);
    expect(hodgesLehmann(narrow, wide)).toBeCloseTo(1.24525, 4); // all 1,500,000 differences give 1.24525
  });
});

describe('selectKth (the quickselect behind the Hodges-Lehmann median)', () => {
  it('agrees with sorting on random, tied and sorted inputs', async () => {
    const { selectKth } = await import('./mann-whitney.ts');
    let x = 12345;
    const rand = (): number => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648; };
    const inputs = [
      Array.from({ length: 501 }, () => rand()),
      Array.from({ length: 400 }, () => Math.floor(rand() * 5)),
      Array.from({ length: 300 }, (_, i) => i),
      Array.from({ length: 300 }, (_, i) => 300 - i),
      [7],
    ];
    for (const values of inputs) {
      const sorted = [...values].sort((a, b) => a - b);
      for (const k of [0, values.length >> 1, values.length - 1]) {
        expect(selectKth(Float64Array.from(values), k)).toBe(sorted[k]);
      }
    }
  });
});
