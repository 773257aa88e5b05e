/** @module Tests of `meridian backtest` that need no Prometheus: exit 2 with a clear message for
 * every bad flag, a policy on the simulated provider and a missing file. The outputs over recorded
 * history are tested against a stand-in Prometheus in test/integration/backtest-prometheus.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyText } from './backtest-policy.test-helper.ts';
import { cli } from '../run.test-helper.ts';

let dir: string;
let policy: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-backtest-'));
  policy = join(dir, 'shop.yaml');
  // Nothing listens on port 9: a flag checked too late would show as an inconclusive verdict, exit 0.
  writeFileSync(policy, policyText('http://127.0.0.1:9'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const RANGE = ['--ring', 'ring-1', '--deployed-at', '2026-03-02T04:35:00Z', '--from', '2026-03-02T04:35:00Z', '--to', '2026-03-03T06:00:00Z'];

describe('meridian backtest', () => {
  it.each([
    [['--from', '2026-03-02T00:00:00Z', '--to', '2026-03-03T00:00:00Z', '--deployed-at', '2026-03-02T00:00:00Z'], '--ring RING is required (one of ring-0, ring-1, ring-2)'],
    [['--ring', 'ring-1', '--to', '2026-03-03T00:00:00Z', '--deployed-at', '2026-03-02T00:00:00Z'], '--from ISO is required (e.g. --from 2026-03-02T09:00:00Z)'],
    [['--ring', 'ring-1', '--from', '2026-03-02T00:00:00Z', '--to', '2026-03-03T00:00:00Z'], '--deployed-at ISO is required (e.g. --deployed-at 2026-03-02T09:00:00Z)'],
    [['--ring', 'ring-1', '--from', 'yesterday', '--to', '2026-03-03T00:00:00Z', '--deployed-at', '2026-03-02T00:00:00Z'], '--from "yesterday" is not a time (use ISO 8601 with an offset, e.g. 2026-03-02T09:00:00Z)'],
    [['--ring', 'ring-1', '--from', '2026-03-02T00:00:00', '--to', '2026-03-03T00:00:00Z', '--deployed-at', '2026-03-02T00:00:00Z'], '--from "2026-03-02T00:00:00" is not a time'],
    [['--ring', 'ring-1', '--from', '2026-03-03T00:00:00Z', '--to', '2026-03-02T00:00:00Z', '--deployed-at', '2026-03-02T00:00:00Z'], '--to (2026-03-02T00:00:00Z) must be after --from (2026-03-03T00:00:00Z)'],
    [['--ring', 'ring-9', '--from', '2026-03-02T00:00:00Z', '--to', '2026-03-03T00:00:00Z', '--deployed-at', '2026-03-02T00:00:00Z'], '--ring "ring-9" is not a ring of policy shop (known: ring-0, ring-1, ring-2)'],
  ])('exits 2 for bad flags: %j', async (flags, message) => {
    const r = await cli('backtest', policy, ...flags);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`meridian: ${message}`);
  });

  it('exits 2 for an unknown flag', async () => {
    const r = await cli('backtest', policy, ...RANGE, '--frm', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--frm'");
  });

  it('exits 2 and says why for a policy on the simulated provider', async () => {
    const p = join(dir, 'sim.yaml');
    writeFileSync(p, policyText('http://127.0.0.1:9', 'simulated'));
    const r = await cli('backtest', p, ...RANGE);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `meridian: backtest needs provider prometheus: ${p} has spec.metrics.provider simulated, which has no recorded history (see examples/prometheus/webapp-prometheus.yaml)\n`,
    );
  });

  it('exits 2 for a missing policy file', async () => {
    const r = await cli('backtest', join(dir, 'nope.yaml'), ...RANGE);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`meridian: ${join(dir, 'nope.yaml')}: no such file\n`);
  });

  it('is listed in meridian --help', async () => {
    const r = await cli('--help');
    expect(r.out).toContain('backtest [options] <policy>');
  });
});
