/** @module `meridian backtest` run in-process against a stand-in Prometheus over real HTTP (the
 * fake answers the query API as Prometheus documents it; it is not a real Prometheus): the JSON and
 * human outputs, an unreachable Prometheus, and no query made before the flags are checked. The
 * usage errors that need no Prometheus are in src/cli/commands/backtest.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, fakePrometheus, vector, type FakePrometheus } from '../../src/adapters/prometheus/fake-prometheus.test-helper.ts';
import { policyText } from '../../src/cli/commands/backtest-policy.test-helper.ts';
import { cli } from '../../src/cli/run.test-helper.ts';

const SPIKE_FROM = Date.parse('2026-03-03T00:00:00Z') / 1000;
const SPIKE_TO = Date.parse('2026-03-03T00:15:00Z') / 1000;

let prom: FakePrometheus;
let dir: string;
let policy: string;

beforeAll(async () => {
  // 15% errors from 00:00 to 00:15 UTC on 2026-03-03, 0.2% otherwise: the midnight-rollover spike.
  // Each query averages the minutes of its range ([5m] for an interval, up to [1h] for the sliding hour).
  prom = await fakePrometheus((req) => {
    const t = Number(req.params.get('time'));
    const [, h = '0', m = '0'] = /\[(?:(\d+)h)?(?:(\d+)m)?\]/.exec(req.params.get('query') ?? '') ?? [];
    const minutes = Number(h) * 60 + Number(m);
    let sum = 0;
    for (let k = 0; k < minutes; k++) sum += t - 60 * k > SPIKE_FROM && t - 60 * k <= SPIKE_TO ? 0.15 : 0.002;
    return vector({ value: sum / minutes });
  });
  dir = mkdtempSync(join(tmpdir(), 'meridian-backtest-'));
  policy = join(dir, 'shop.yaml');
  writeFileSync(policy, policyText(prom.url));
});

afterAll(async () => {
  await prom.close();
  rmSync(dir, { recursive: true, force: true });
});

const RANGE = ['--ring', 'ring-1', '--deployed-at', '2026-03-02T04:35:00Z', '--from', '2026-03-02T04:35:00Z', '--to', '2026-03-03T06:00:00Z'];

describe('meridian backtest against a stand-in Prometheus', () => {
  it('prints one JSON document with the verdict, the first failure and every evaluation', async () => {
    const r = await cli('backtest', policy, ...RANGE, '--json');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const doc = JSON.parse(r.out);
    expect(doc.verdict).toBe('failed');
    // The first five minutes of the spike move the sliding hour to 1.433%: it fails the ring at once.
    expect(doc.firstFailure).toEqual({ at: '2026-03-03T00:05:00.000Z', gate: 'error-rate', region: 'ap-south-1', value: expect.closeTo(0.01433, 5), detail: 'error_rate 0.01433 > max 0.01 (mean over the hour to 00:05Z)' });
    expect(doc.healthyAt).toBe('2026-03-02T04:40:00.000Z');
    expect(doc.bakeUntil).toBe('2026-03-03T04:40:00.000Z');
    expect(doc.evaluations[0]).toEqual({
      at: '2026-03-02T04:55:00.000Z', gate: 'error-rate', region: 'ap-south-1', value: 0.002, result: 'pass', kind: 'interval', detail: 'error_rate 0.002 ≤ max 0.01',
    });
    expect(doc.evaluations.at(-1)).toMatchObject({ at: '2026-03-03T00:05:00.000Z', kind: 'hour', result: 'fail' });
    for (const e of doc.evaluations) expect(Object.keys(e).sort()).toEqual(['at', 'detail', 'gate', 'kind', 'region', 'result', 'value']);
  });

  it('shows only failures and inconclusives, a count and the verdict by default', async () => {
    const r = await cli('backtest', policy, ...RANGE);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'ring-1 (ap-south-1): healthy 2026-03-02 04:40Z, bake until 2026-03-03 04:40Z',
        '',
        'AT                 GATE        REGION      KIND      RESULT  VALUE    DETAIL',
        '2026-03-03 00:05Z  error-rate  ap-south-1  interval  fail    0.15     error_rate 0.15 > max 0.01',
        '2026-03-03 00:05Z  error-rate  ap-south-1  hour      fail    0.01433  error_rate 0.01433 > max 0.01 (mean over the hour to 00:05Z)',
        '',
        '451 evaluations: 449 pass, 2 fail, 0 inconclusive (failures and inconclusives shown; --verbose shows all)',
        'verdict: failed: error-rate failed ring-1 in ap-south-1 at 2026-03-03T00:05:00Z: error_rate 0.01433 > max 0.01 (mean over the hour to 00:05Z)',
        '',
      ].join('\n'),
    );
  });

  it('lists every evaluation with --verbose', async () => {
    const r = await cli('backtest', policy, ...RANGE, '--verbose');
    // 231 evaluation times from 04:55 to 00:05 the next day, each an interval, and from 05:50 (an hour
    // past warmup) on a sliding hour too: 231 + 220
    expect(r.out.split('\n').filter((l) => l.startsWith('2026-'))).toHaveLength(451);
    expect(r.out).toContain('\n451 evaluations: 449 pass, 2 fail, 0 inconclusive\n');
  });

  it('passes a ring whose history is clean', async () => {
    const r = await cli('backtest', policy, '--ring', 'ring-2', '--deployed-at', '2026-03-04T09:00:00Z', '--from', '2026-03-04T09:00:00Z', '--to', '2026-03-04T22:00:00Z', '--json');
    const doc = JSON.parse(r.out);
    expect([doc.verdict, doc.firstFailure]).toEqual(['passed', null]);
  });

  it('is inconclusive, exit 0, when Prometheus cannot be reached', async () => {
    const p = join(dir, 'down.yaml');
    writeFileSync(p, policyText(`http://127.0.0.1:${await closedPort()}`));
    const r = await cli('backtest', p, ...RANGE);
    expect(r.code).toBe(0);
    // an interval at 04:55, 05:00 and 05:05, where the third halts (no sliding hour before 05:50)
    expect(r.out).toContain('3 evaluations: 0 pass, 0 fail, 3 inconclusive');
    expect(r.out).toContain('connection refused');
    expect(r.out).toMatch(/verdict: inconclusive: 3 consecutive inconclusive evaluations of error-rate in ap-south-1 halted the release at 2026-03-02T05:05:00Z/);
  });

  it('makes no query when a flag is bad', async () => {
    const r = await cli('backtest', policy, '--ring', 'ring-9', '--from', '2026-03-02T00:00:00Z', '--to', '2026-03-03T00:00:00Z', '--deployed-at', '2026-03-02T00:00:00Z');
    expect(r.code).toBe(2);
    expect(prom.requests.filter((q) => q.params.get('time') === String(Date.parse('2026-03-02T00:15:00Z') / 1000))).toHaveLength(0);
  });
});
