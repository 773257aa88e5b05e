import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../policy/duration.ts';
import type { ReleaseController } from '../runtime/controller-types.ts';
import { ApiMetrics, REQUEST_BUCKETS } from './metrics.ts';
import { startTestServer, type TestServer } from './test-server.test-helper.ts';

let s: TestServer;
let id: string;

beforeAll(async () => {
  s = await startTestServer();
  const started = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v2' } });
  id = (started.body as { id: string }).id;
  await s.advance(10 * MINUTE);
});
afterAll(async () => s.close());

/** The sample lines of `name` in a scrape. */
const linesOf = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe('http_request_duration_seconds', () => {
  it('times each request under its route pattern, method and status, with buckets from 1 ms to 10 s', async () => {
    await s.call(`/api/v1/releases/${id}`, { as: 'victor' });
    await s.call(`/api/v1/releases/${id}`, { as: 'victor' });
    await s.call('/api/v1/releases/nope', { as: 'victor' });
    const { text } = await s.call('/metrics');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    const route = 'method="GET",route="/api/v1/releases/:id"';
    expect(linesOf(text, 'http_request_duration_seconds_count')).toEqual(expect.arrayContaining([
      `http_request_duration_seconds_count{${route},status="200"} 2`,
      `http_request_duration_seconds_count{${route},status="404"} 1`,
      'http_request_duration_seconds_count{method="POST",route="/api/v1/releases",status="201"} 1',
    ]));
    const buckets = linesOf(text, 'http_request_duration_seconds_bucket').filter((l) => l.includes(route) && l.includes('status="200"'));
    expect(buckets.map((l) => /le="([^"]+)"/.exec(l)![1])).toEqual([...REQUEST_BUCKETS.map(String), '+Inf']);
    expect(REQUEST_BUCKETS[0]).toBe(0.001);
    expect(REQUEST_BUCKETS.at(-1)).toBe(10);
    expect(buckets.at(-1)).toBe(`http_request_duration_seconds_bucket{le="+Inf",${route},status="200"} 2`);
    const sum = Number(linesOf(text, 'http_request_duration_seconds_sum').find((l) => l.includes(route) && l.includes('status="200"'))!.split(' ')[1]);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(10);
    // The raw path never becomes a label: one series per route, however many releases there are.
    expect(text).not.toContain(id);
    expect(text).not.toContain('nope');
  });

  it('keeps counting requests in meridian_api_requests_total beside it', async () => {
    const { text } = await s.call('/metrics');
    expect(linesOf(text, 'meridian_api_requests_total')).toEqual(expect.arrayContaining([
      'meridian_api_requests_total{method="GET",route="/api/v1/releases/:id",status="200"} 2',
      'meridian_api_requests_total{method="GET",route="/api/v1/releases/:id",status="404"} 1',
    ]));
  });

  it('names a request that matched no route "unmatched", not by its path', async () => {
    await s.call('/no/such/place/42', { as: 'victor' });
    const { text } = await s.call('/metrics');
    expect(linesOf(text, 'http_request_duration_seconds_count')).toContain('http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1');
    expect(text).not.toContain('/no/such/place');
  });
});

describe('a scrape', () => {
  it('gives way to other work between releases, so requests are answered while it is computed', async () => {
    const order: string[] = [];
    const ids = ['r1', 'r2', 'r3'];
    const controller = {
      list: async () => ({ items: ids.map((i) => ({ id: i })), next: null }),
      get: async (i: string) => {
        order.push(i);
        return { phase: 'running', rings: [], events: [], evaluationCounts: { pass: 1, fail: 0, inconclusive: 0 } };
      },
    } as unknown as ReleaseController;
    const metrics = new ApiMetrics(controller, { processMetrics: false });
    const scraped = metrics.scrape();
    setImmediate(() => order.push('other'));
    const text = await scraped;
    expect(text).toContain('meridian_releases{phase="running"} 3');
    expect(text).toContain('meridian_gate_evaluations_total{result="pass"} 3');
    // Without giving way, every release would be read before anything else ran.
    expect(order.slice(0, order.indexOf('r3'))).toContain('other');
  });
});
