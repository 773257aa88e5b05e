/** @module Tests of spec.notifications in a ReleasePolicy and a Fleet: what is accepted, every refusal with its place and message, a fleet's sinks added to each of its services, and how a sink is shown. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolicyError, formatLocated } from '../errors.ts';
import { loadConfigSources, writtenAt, type ConfigFile } from './fleet.ts';
import { loadPolicy } from './load.ts';
import { NOTIFICATION_EVENTS, shownUrl, sinkLabel, urlVariables } from './notifications.ts';
import { lineOf } from './source.ts';

const webapp = readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8');
/** The webapp example ends at line 73; `notifications:` is line 75, its first sink line 76. */
const withSinks = (sinks: string): string => `${webapp.trimEnd()}\n\n  notifications:\n${sinks}`;

const GOOD = `    - webhook: { url: "https://hooks.example.com/meridian" }
      events: [approval.requested, ring.failed, release.halted, release.completed]
    - slack: { url: "https://hooks.slack.com/services/\${SLACK_HOOK_PATH}" }
      events: [ring.failed, release.halted]
    - command: ["/usr/local/bin/page-oncall", "--team", "checkout"]
      events: [ring.failed]
`;

function errorsOf(text: string, file = 'policy.yaml'): string[] {
  try {
    loadPolicy(text, file);
  } catch (e) {
    if (e instanceof PolicyError) return e.problems.map(formatLocated);
    throw e;
  }
  return [];
}

describe('spec.notifications in a policy', () => {
  it('takes webhooks, Slack hooks and commands, each with the event types it is told about', () => {
    const { policy } = loadPolicy(withSinks(GOOD), 'policy.yaml');
    expect(policy.spec.notifications).toEqual([
      { webhook: { url: 'https://hooks.example.com/meridian' }, events: ['approval.requested', 'ring.failed', 'release.halted', 'release.completed'] },
      { slack: { url: 'https://hooks.slack.com/services/${SLACK_HOOK_PATH}' }, events: ['ring.failed', 'release.halted'] },
      { command: ['/usr/local/bin/page-oncall', '--team', 'checkout'], events: ['ring.failed'] },
    ]);
    expect(loadPolicy(webapp, 'policy.yaml').policy.spec.notifications).toEqual([]);
    expect(errorsOf(withSinks('    - webhook: { url: "https://h.example.com/x" }\n      events: ["*"]\n'))).toEqual([]);
  });

  it('refuses an unknown event type, suggesting the close one, at its place', () => {
    const text = withSinks(GOOD.replace('[ring.failed, release.halted]', '[ring.faild, release.halted, deploy.done]'));
    expect(errorsOf(text)).toEqual([
      'policy.yaml:79:16: spec.notifications[1].events[0]: "ring.faild" is not an event type (did you mean "ring.failed"?)',
      'policy.yaml:79:44: spec.notifications[1].events[2]: "deploy.done" is not an event type (known: release.started, ring.waiting, approval.requested, approval.granted, approval.rejected, ring.deploy.started and 24 more; "*" for all)',
    ]);
  });

  it('refuses a URL that is not http(s), a malformed reference, a URL whose host comes from the environment, showing none of its secrets', () => {
    const text = withSinks(`    - webhook: { url: "hooks.example.com/meridian?token=abc" }
      events: [ring.failed]
    - slack: { url: "https://hooks.slack.com/services/\${slack-path}" }
      events: [ring.failed]
    - webhook: { url: "\${HOOK_URL}" }
      events: [ring.failed]
    - webhook: { url: "ftp://bot:pw@files.example.com/drop" }
      events: [ring.failed]
`);
    expect(errorsOf(text)).toEqual([
      'policy.yaml:76:23: spec.notifications[0].webhook.url: "hooks.example.com/meridian?[redacted]" is not an http or https URL (write it in full, e.g. https://hooks.example.com/meridian)',
      'policy.yaml:78:21: spec.notifications[1].slack.url: "https://hooks.slack.com/services/${slack-path}": a reference to the environment is ${NAME} (letters, digits and _, not starting with a digit)',
      'policy.yaml:80:23: spec.notifications[2].webhook.url: "${HOOK_URL}": write the scheme and host out (e.g. https://hooks.slack.com/services/${SLACK_HOOK_PATH}); only the rest may come from the environment',
      'policy.yaml:82:23: spec.notifications[3].webhook.url: "ftp://[redacted]@files.example.com/drop" is not an http or https URL (write it in full, e.g. https://hooks.example.com/meridian)',
    ]);
  });

  it('needs exactly one destination and at least one event type per sink', () => {
    const text = withSinks(`    - webhook: { url: "https://h.example.com/a" }
      command: [page-oncall]
      events: [ring.failed]
    - events: [ring.failed]
    - slack: { url: "https://hooks.slack.com/services/x" }
      events: []
    - slack: { url: "https://hooks.slack.com/services/x" }
    - webhook: { url: "https://h.example.com/a" }
      events: [ring.failed]
      evnts: [release.halted]
`);
    expect(errorsOf(text)).toEqual([
      'policy.yaml:81:15: spec.notifications[2].events: name at least one event type (or "*" for every one)',
      'policy.yaml:82:7: spec.notifications[3].events: required (expected array)',
      'policy.yaml:85:7: spec.notifications[4].evnts: unknown field "evnts" (did you mean "events"?)',
      'policy.yaml:76:7: spec.notifications[0]: a notification goes to exactly one of webhook: { url }, slack: { url } and command: [...]; give one per list item',
      'policy.yaml:79:7: spec.notifications[1]: a notification goes to exactly one of webhook: { url }, slack: { url } and command: [...]',
    ]);
  });

  it('does not need the variables a URL refers to (only meridian serve does)', () => {
    expect(process.env.SLACK_HOOK_PATH).toBeUndefined();
    expect(errorsOf(withSinks(GOOD))).toEqual([]);
  });
});

const FLEET = `apiVersion: meridian.dev/v1alpha1
kind: Fleet
metadata: { name: prod }
spec:
  regions:
    - { name: internal, internal: true, timezone: UTC, clusters: [{ name: staging }] }
    - { name: eu-west-1, timezone: Europe/London, userShare: 1, capacity: 2, clusters: [{ name: eu1 }] }
  notifications:
    - slack: { url: "https://hooks.slack.com/services/\${PLATFORM_HOOK}" }
      events: [ring.failed, release.halted]
`;

function policy(name: string, sinks = ''): string {
  return `apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: ${name} }
spec:
  service: { name: ${name} }
  fleet: prod
  rings:
    - { name: ring-0, regions: [internal], bake: 1h }
    - { name: ring-1, regions: [eu-west-1], bake: 24h }
${sinks}`;
}

function configErrors(files: ConfigFile[]): string[] {
  try {
    loadConfigSources(files);
  } catch (e) {
    if (e instanceof PolicyError) return e.problems.map(formatLocated);
    throw e;
  }
  return [];
}

describe('spec.notifications in a Fleet', () => {
  const OWN = '  notifications:\n    - command: [page-oncall, --team, checkout]\n      events: [ring.failed]\n';

  it('adds the fleet\'s sinks to every service of the fleet, after the policy\'s own, and says where each was written', () => {
    const loaded = loadConfigSources([{ file: 'fleet.yaml', text: FLEET }, { file: 'checkout.yaml', text: policy('checkout', OWN) }, { file: 'search.yaml', text: policy('search') }]);
    const [checkout, search] = loaded.services;
    expect(checkout!.service.policy.spec.notifications.map(sinkLabel)).toEqual(['command page-oncall --team checkout', 'slack https://hooks.slack.com/services/${PLATFORM_HOOK}']);
    expect(search!.service.policy.spec.notifications.map(sinkLabel)).toEqual(['slack https://hooks.slack.com/services/${PLATFORM_HOOK}']);
    const fleetSink = writtenAt(checkout!, ['spec', 'notifications', 1, 'slack', 'url']);
    expect([fleetSink.source.file, lineOf(fleetSink.source, fleetSink.path), fleetSink.inFleet]).toEqual(['fleet.yaml', 9, true]);
    const own = writtenAt(checkout!, ['spec', 'notifications', 0, 'command']);
    expect([own.source.file, own.inFleet]).toEqual(['checkout.yaml', false]);
  });

  it('refuses an unknown event type in a fleet in the fleet\'s file, and checks its policies once it is fixed', () => {
    expect(configErrors([{ file: 'fleet.yaml', text: FLEET.replace('release.halted', 'release.halt') }, { file: 'checkout.yaml', text: policy('checkout') }])).toEqual([
      'fleet.yaml:10:29: spec.notifications[0].events[1]: "release.halt" is not an event type (did you mean "release.halted"?)',
      'checkout.yaml:6:10: spec.fleet: fleet "prod" has errors (in fleet.yaml); this policy is checked once they are fixed',
    ]);
  });

  it('refuses a fleet sink with two destinations at its place in the fleet\'s file', () => {
    const text = FLEET.replace('      events: [ring.failed, release.halted]\n', '      command: [page]\n      events: [ring.failed, release.halted]\n');
    expect(configErrors([{ file: 'fleet.yaml', text }, { file: 'checkout.yaml', text: policy('checkout') }])[0]).toBe(
      'fleet.yaml:9:7: spec.notifications[0]: a notification goes to exactly one of webhook: { url }, slack: { url } and command: [...]; give one per list item',
    );
  });
});

describe('the notifications example', () => {
  it('validates, and passes the JSON Schema an editor uses', async () => {
    const text = readFileSync(new URL('../../examples/notifications/policy.yaml', import.meta.url), 'utf8');
    expect(loadPolicy(text, 'policy.yaml').policy.spec.notifications.map(sinkLabel)).toEqual([
      'webhook https://hooks.example.com/meridian', 'slack https://hooks.slack.com/services/${SLACK_HOOK_PATH}', 'command /usr/local/bin/page-oncall --team checkout',
    ]);
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const { parse } = await import('yaml');
    const { policyJsonSchema } = await import('./json-schema.ts');
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(policyJsonSchema());
    const doc = parse(text) as { spec: { notifications: Array<Record<string, unknown>> } };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    doc.spec.notifications[0]!.events = ['ring.faild'];
    expect(validate(doc)).toBe(false);
  });
});

describe('how a sink is shown', () => {
  it('keeps references unexpanded and redacts the user name, password, query string and fragment', () => {
    expect(shownUrl('https://hooks.slack.com/services/${SLACK_HOOK_PATH}')).toBe('https://hooks.slack.com/services/${SLACK_HOOK_PATH}');
    expect(shownUrl('https://bot:s3cret@hooks.example.com/m?token=abc&x=1#frag')).toBe('https://[redacted]@hooks.example.com/m?[redacted]');
    expect(shownUrl('https://hooks.example.com/m#k=v')).toBe('https://hooks.example.com/m#[redacted]');
    expect(sinkLabel({ command: ['page-oncall', '--team', 'checkout'], events: ['*'] })).toBe('command page-oncall --team checkout');
    expect(urlVariables('https://${A}:${B}@h.example.com/${A}/${C_1}')).toEqual(['A', 'B', 'C_1']);
  });
});

describe('the event types a notification may name', () => {
  it('are every event type the engine records (a new one must be added to NOTIFICATION_EVENTS and the README)', () => {
    const dir = new URL('../engine/', import.meta.url);
    const emitted = new Set<string>();
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.includes('.test'))) {
      const text = readFileSync(new URL(name, dir), 'utf8');
      for (const m of text.matchAll(/emit\(ctx, '([a-z]+(?:\.[a-z-]+)+)'/g)) emitted.add(m[1]!);
      for (const m of text.matchAll(/'[a-z.]+': '([a-z]+\.[a-z]+)'/g)) emitted.add(m[1]!);
      if (text.includes("'traffic.drained' : 'traffic.restored'")) ['traffic.drained', 'traffic.restored'].forEach((t) => emitted.add(t));
    }
    expect(emitted.size).toBeGreaterThan(20);
    expect([...emitted].filter((t) => !(NOTIFICATION_EVENTS as readonly string[]).includes(t))).toEqual([]);
  });
});
