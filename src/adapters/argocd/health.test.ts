/**
 * @module Tests of the Argo CD health adapter and client against a fake Argo CD API (a loopback
 * server answering Argo CD's documented response shapes, not Argo CD): a token echoed anywhere in
 * an error body or an Application's status messages never reaches an error, a report or a reason,
 * whole or in part.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors.ts';
import { PolicyDocument, type Policy } from '../../policy/schema.ts';
import type { RingTarget } from '../../ports.ts';
import { application, REF } from './application-fixtures.test-helper.ts';
import { argoCdError, fakeArgoCdApi, type FakeArgoCdAnswer, type FakeArgoCdApi } from './fake-argocd-api.test-helper.ts';
import { ArgoCdHealth } from './health.ts';
import { judgeApplication } from './judge.ts';

/** 43 characters, as an Argo CD API token's signature part is; "/" and "+" change under URL encoding. */
const TOKEN = 'YXJnb2Nk/Xt+aS10b2tlbi1mb3ItbWVyaWRpYW4tMDE';
const TOKEN_ENV = 'MERIDIAN_ARGOCD_TOKEN';
const FILLER = 'rpc error: code = Unavailable desc = connection error while dialing the repo server; retrying with backoff after transport failure '
  .repeat(20)
  .slice(0, 2_000);
const bodyWith = (secret: string, offset: number): string => `${FILLER.slice(0, offset)}${secret}${FILLER.slice(offset)}`;
/** Offsets at which the token crosses the lengths texts have been cut at, and both ends. */
const OFFSETS = [0, 1, 999, 1_957, 2_000, ...[80, 160, 200, 300].flatMap((cut) => [cut - 42, cut - 21, cut - 1, cut])];

function expectNothingOf(secret: string, text: string): void {
  for (let i = 0; i + 8 <= secret.length; i++) {
    if (text.includes(secret.slice(i, i + 8))) throw new Error(`"${secret.slice(i, i + 8)}" of the token survived in: ${text}`);
  }
}
const expectNoToken = (text: string): void => {
  expectNothingOf(TOKEN, text);
  expectNothingOf(encodeURIComponent(TOKEN), text);
};

/** Failures the client turns into an AdapterError, quoting what Argo CD said. */
const ERRORS: Record<string, (text: string) => FakeArgoCdAnswer> = {
  'error-500': (text) => argoCdError(500, 13, text),
  'error-503-text': (text) => ({ status: 503, body: text }),
  'error-429': (text) => argoCdError(429, 8, text),
  'error-400': (text) => argoCdError(400, 3, text),
};

/** Applications whose status messages a health report quotes. */
const STATUSES: Record<string, (text: string) => Record<string, unknown>> = {
  'sync-failed': (text) => application({ op: { phase: 'Failed', message: text } }),
  'sync-running': (text) => application({ op: { phase: 'Running', message: text } }),
  degraded: (text) => application({ health: 'Degraded', healthMessage: text }),
  progressing: (text) => application({ health: 'Progressing', healthMessage: text }),
};

/** The Application for `webapp-KIND-OFFSET-plain|encoded`, with the status conditions Argo CD adds on errors. */
function answerFor(name: string): FakeArgoCdAnswer {
  const m = /^webapp-(.+)-(\d+)-(plain|encoded)$/.exec(name);
  if (!m) return argoCdError(404, 5, `applications.argoproj.io "${name}" not found`);
  const text = bodyWith(m[3] === 'encoded' ? encodeURIComponent(TOKEN) : TOKEN, Number(m[2]));
  const error = ERRORS[m[1]!];
  if (error) return error(text);
  const app = STATUSES[m[1]!]!(text);
  (app['status'] as Record<string, unknown>)['conditions'] = [{ type: 'ComparisonError', message: text, lastTransitionTime: '2026-03-02T09:05:00Z' }];
  return { body: app };
}

function policyFor(url: string): Policy {
  return PolicyDocument.parse({
    apiVersion: 'meridian.dev/v1alpha1',
    kind: 'ReleasePolicy',
    metadata: { name: 'webapp' },
    spec: {
      service: { name: 'webapp' },
      regions: [{ name: 'eu-west-1', timezone: 'Europe/Dublin', clusters: [{ name: 'eu-west-1' }] }],
      rings: [{ name: 'canary', regions: ['eu-west-1'] }],
      delivery: { health: { provider: 'argocd', argocd: { url, tokenEnv: TOKEN_ENV, application: 'webapp-{{cluster}}' } } },
    },
  });
}

const ring = (clusters: string[]): RingTarget => ({
  releaseId: 'rel-1',
  service: 'webapp',
  ring: 'canary',
  ringIndex: 0,
  version: 'v2.1.0',
  previousVersion: 'v2.0.0',
  clusters: clusters.map((name) => ({ name, region: 'eu-west-1', labels: {} })),
});

describe('ArgoCdHealth against a fake Argo CD API (documented response shapes, not a real Argo CD)', () => {
  let fake: FakeArgoCdApi;
  let health: ArgoCdHealth;
  beforeAll(async () => {
    fake = await fakeArgoCdApi(answerFor);
    health = new ArgoCdHealth(policyFor(fake.url), { env: { [TOKEN_ENV]: TOKEN } });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('never carries the token, nor 8 characters of it, from an error body into the AdapterError, at any offset', async () => {
    expect(TOKEN).toHaveLength(43);
    for (const kind of Object.keys(ERRORS)) {
      for (const offset of OFFSETS) {
        for (const form of ['plain', 'encoded']) {
          let error: unknown;
          await health.status(ring([`${kind}-${offset}-${form}`]), REF).catch((e: unknown) => (error = e));
          expect(error).toBeInstanceOf(AdapterError);
          expectNoToken((error as AdapterError).message);
          expect((error as AdapterError).message.length).toBeLessThan(600);
        }
      }
    }
    expect(fake.authorizations.every((a) => a === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('never carries the token, nor 8 characters of it, from status messages into the health report, at any offset', async () => {
    for (const offset of OFFSETS) {
      for (const form of ['plain', 'encoded']) {
        const report = await health.status(ring(Object.keys(STATUSES).map((kind) => `${kind}-${offset}-${form}`)), REF);
        expect(report).toMatchObject({ healthy: false, failed: true });
        expectNoToken(report.detail);
        for (const kind of Object.keys(STATUSES)) expect(report.detail).toContain(`${kind}-${offset}-${form}: `);
      }
    }
  });

  it('cuts a long status message between words, with an ellipsis and how much was left out', async () => {
    const report = await health.status(ring(['degraded-1000-plain']), REF);
    expect(report.detail).toMatch(/^degraded-1000-plain: Degraded at 9e8d7c6: rpc error: code = Unavailable .* … \(1,\d{3} more characters\)$/);
    const kept = /Degraded at 9e8d7c6: (.*) … \(/.exec(report.detail)![1]!;
    expect(FILLER.startsWith(kept)).toBe(true);
    expect(FILLER[kept.length]).toBe(' ');
  });
});

describe('judgeApplication with the secrets it must keep out of its reason', () => {
  it('never copies the token, nor 8 characters of it, from an operation or health message, at every offset of a 2,000-character message', () => {
    for (let offset = 0; offset <= FILLER.length; offset++) {
      for (const make of Object.values(STATUSES)) {
        const { reason } = judgeApplication(make(bodyWith(TOKEN, offset)), REF, { secrets: [TOKEN] });
        expectNothingOf(TOKEN, reason);
      }
    }
  });
});
