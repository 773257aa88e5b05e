/**
 * @module The Metrics contract: what every implementation of the Metrics port (ports.ts) must do,
 * run from each implementation's own test file with a fixture that says where its source has data,
 * where it has none and where the region served nothing.
 *
 * No data is an answer, never an error: `null` from value(), a point left out of series(), and the
 * gate runner makes it inconclusive, never a pass. A window in which nothing was counted (a drained
 * region: no requests, so no error rate) is no data too. Everything else that goes wrong is an
 * AdapterError, which the gate runner also makes inconclusive, with the message as the reason.
 *
 * Not part of the contract: a window only partly covered by data. The simulator answers "no data"
 * when fewer than half of its minutes have data, Prometheus answers from the minutes there are
 * (test/integration/prometheus-scenarios.test.ts probes where they differ).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MetricQuery, Metrics } from '../ports.ts';
import { adapterErrorOf } from './adapter-error.test-helper.ts';

const MINUTE = 60_000;
/** The step of the series the contract asks for: gates compare 5-minute samples. */
const STEP = 5 * MINUTE;

export interface MetricsFixture {
  metrics: Metrics;
  /**
   * A query with data in every minute of [from, to) (whole minutes, at least 30 of them, a
   * multiple of 5), whose value over any 5 of those minutes is within 10% of `about`.
   */
  data: { query: MetricQuery; from: number; to: number; about: number };
  /**
   * Whole minutes [from, to) (at least 15, a multiple of 5) in which `data.query` has no data at
   * all, after 15 minutes that have data.
   */
  gap: { from: number; to: number };
  /** A query and whole minutes [from, to) (a multiple of 5) in which its region served no requests. */
  idle?: { query: MetricQuery; from: number; to: number };
  /** A Metrics reading the same policy from a source that does not answer, where there can be one. */
  unreachable?: Metrics;
  close?(): Promise<void>;
}

function expectNear(value: number | null, about: number, what: string): void {
  expect(value, what).not.toBeNull();
  expect(Number.isFinite(value), `${what}: ${value}`).toBe(true);
  expect(Math.abs(value! - about), `${what}: ${value}, expected about ${about}`).toBeLessThanOrEqual(0.1 * Math.abs(about));
}

export function metricsContract(name: string, make: () => Promise<MetricsFixture>): void {
  describe(`${name} (the Metrics contract)`, () => {
    const open: MetricsFixture[] = [];
    async function fresh(): Promise<MetricsFixture> {
      const f = await make();
      open.push(f);
      return f;
    }
    afterEach(async () => {
      for (const f of open.splice(0)) await f.close?.();
    });

    it('answers a window with data with one finite number: the value there', async () => {
      const { metrics, data } = await fresh();
      expectNear(await metrics.value(data.query, data.from, data.to), data.about, 'the value over the window');
      expectNear(await metrics.value(data.query, data.from, data.from + STEP), data.about, 'the value over its first 5 minutes');
    });

    it('gives one point per whole step of a window with data, each the value over its step', async () => {
      const { metrics, data } = await fresh();
      const points = await metrics.series(data.query, data.from, data.to, STEP);
      expect(points).toHaveLength((data.to - data.from) / STEP);
      points.forEach((p, i) => expectNear(p, data.about, `point ${i}`));
      // A step that does not end inside the window is no point.
      expect(await metrics.series(data.query, data.from, data.from + 2.5 * STEP, STEP)).toHaveLength(2);
    });

    it('reads a window without data as null and a series over it as empty, never as an error', async () => {
      const { metrics, data, gap } = await fresh();
      expect(await metrics.value(data.query, gap.from, gap.to)).toBeNull();
      expect(await metrics.value(data.query, gap.from, gap.from + STEP)).toBeNull();
      expect(await metrics.series(data.query, gap.from, gap.to, STEP)).toEqual([]);
      expect(await metrics.series(data.query, gap.from, gap.to, MINUTE)).toEqual([]);
    });

    it('leaves the steps without data out of a series and keeps the others', async () => {
      const { metrics, data, gap } = await fresh();
      const from = gap.from - 3 * STEP;
      const points = await metrics.series(data.query, from, gap.to, STEP);
      expect(points.length).toBeGreaterThan(0);
      expect(points.length).toBeLessThan((gap.to - from) / STEP);
      for (const p of points) expect(Number.isFinite(p)).toBe(true);
    });

    it('reads a window in which the region served no requests as no data, not as an error', async ({ skip }) => {
      const { metrics, idle } = await fresh();
      if (!idle) skip('the fixture has no idle region');
      expect(await metrics.value(idle!.query, idle!.from, idle!.to)).toBeNull();
      expect(await metrics.series(idle!.query, idle!.from, idle!.to, STEP)).toEqual([]);
    });

    it('reads an empty window as null and an empty series', async () => {
      const { metrics, data } = await fresh();
      expect(await metrics.value(data.query, data.from, data.from)).toBeNull();
      expect(await metrics.series(data.query, data.from, data.from, STEP)).toEqual([]);
    });

    it('refuses a metric it has no source for with an AdapterError naming it', async () => {
      const { metrics, data } = await fresh();
      const q = { ...data.query, metric: 'no_such_metric' };
      for (const e of [await adapterErrorOf(metrics.value(q, data.from, data.to)), await adapterErrorOf(metrics.series(q, data.from, data.to, STEP))]) {
        expect(e.message).toContain('"no_such_metric"');
        expect(e.retryable).toBe(false);
      }
    });

    it('refuses a series step of 0 or less with an AdapterError', async () => {
      const { metrics, data } = await fresh();
      for (const step of [0, -STEP]) {
        const e = await adapterErrorOf(metrics.series(data.query, data.from, data.to, step));
        expect(e.message).toContain(`(got ${step} ms)`);
        expect(e.retryable).toBe(false);
      }
    });

    it('fails with a retryable AdapterError when its source does not answer', async ({ skip }) => {
      const { unreachable, data } = await fresh();
      if (!unreachable) skip('the source always answers');
      expect((await adapterErrorOf(unreachable!.value(data.query, data.from, data.to))).retryable).toBe(true);
      expect((await adapterErrorOf(unreachable!.series(data.query, data.from, data.to, STEP))).retryable).toBe(true);
    });
  });
}
