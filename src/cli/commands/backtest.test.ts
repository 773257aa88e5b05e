/** @module Tests of `meridian backtest` run in-process against a stand-in Prometheus: the JSON and
 * human outputs, and exit 2 with a clear message for every bad flag.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, fakePrometheus, vector, type FakePrometheus } from '../../adapters/prometheus/fake-prometheus.test-helper.ts';
import { memoryIo } from '../io.ts';
import { main } from '../main.ts';

const SPIKE_FROM = Date.parse('2026-03-03T00:00:00Z') / 1000;
const SPIKE_TO = Date.parse('2026-03-03T00:15:00Z') / 1000;

function policyText(url: string, provider = 'prometheus'): string {
  return `
apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: shop }
spec:
  service: { name: shop }
  regions:
    - { name: internal, internal: true, timezone: UTC, clusters: [{ name: staging }] }
    - { name: ap-south-1, timezone: Asia/Kolkata, userShare: 0.4, clusters: [{ name: ap1 }] }
    - { name: eu-west-1, timezone: Europe/London, userShare: 0.6, clusters: [{ name: eu1 }] }
  rings:
    - { name: ring-0, regions: [internal], bake: 1h }
    - { name: ring-1, regions: [ap-south-1], bake: 24h, gates: [error-rate] }
    - { name: ring-2, regions: [eu-west-1], bake: 12h, gates: [error-rate] }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
  metrics:
    provider: ${provider}
    prometheus:
      url: ${url}
      timeout: 2s
      queries:
        error_rate: avg_over_time(errors{region="{{region}}"}[{{interval}}])
  windows: { deploy: always }
`;
}

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

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const RANGE = ['--ring', 'ring-1', '--deployed-at', '2026-03-02T04:35:00Z', '--from', '2026-03-02T04:35:00Z', '--to', '2026-03-03T06:00:00Z'];

describe('meridian backtest', () => {
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
    expect(prom.requests.filter((q) => q.params.get('time') === String(Date.parse('2026-03-02T00:15:00Z') / 1000))).toHaveLength(0);
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
