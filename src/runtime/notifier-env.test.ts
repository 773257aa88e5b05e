/** @module Tests of the check that meridian serve makes of the variables notification sinks refer to. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { loadConfigSources, singlePolicyConfig } from '../policy/fleet.ts';
import { requireSinkVariables, sinkVariables, unsetSinkVariables } from './notifier-env.ts';

const FLEET = `apiVersion: meridian.dev/v1alpha1
kind: Fleet
metadata: { name: prod }
spec:
  regions:
    - { name: internal, internal: true, timezone: UTC, clusters: [{ name: staging }] }
    - { name: eu-west-1, timezone: Europe/London, userShare: 1, capacity: 2, clusters: [{ name: eu1 }] }
  notifications:
    - slack: { url: "https://hooks.slack.com/services/\${PLATFORM_HOOK}" }
      events: [ring.failed]
`;

const policy = (name: string, sinks = ''): string => `apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: ${name} }
spec:
  service: { name: ${name} }
  fleet: prod
  rings:
    - { name: ring-0, regions: [internal], bake: 1h }
    - { name: ring-1, regions: [eu-west-1], bake: 24h }
${sinks}`;

const OWN = `  notifications:
    - webhook: { url: "https://\${HOOK_USER}:\${HOOK_PASS}@hooks.example.com/checkout" }
      events: ["*"]
`;

const files = [{ file: 'config/fleet.yaml', text: FLEET }, { file: 'config/checkout.yaml', text: policy('checkout', OWN) }, { file: 'config/search.yaml', text: policy('search') }];

describe('the variables notification sinks need', () => {
  it('names each reference to an unset variable where it was written, a fleet\'s once for all its services', () => {
    expect(unsetSinkVariables(loadConfigSources(files), { HOOK_USER: 'bot' }).map((l) => `${l.file}:${l.line}:${l.col}: ${l.path}: ${l.message}`)).toEqual([
      'config/checkout.yaml:11:23: spec.notifications[0].webhook.url: ${HOOK_PASS} is not set in the environment (meridian serve fills it in when it sends a notification: set HOOK_PASS, or remove the reference)',
      'config/fleet.yaml:9:21: spec.notifications[0].slack.url: ${PLATFORM_HOOK} is not set in the environment (meridian serve fills it in when it sends a notification: set PLATFORM_HOOK, or remove the reference)',
    ]);
  });

  it('gives the configuration when every variable is set (an empty one is not), and a usage error otherwise', () => {
    const env = { HOOK_USER: 'bot', HOOK_PASS: 'pw', PLATFORM_HOOK: 'T0/B0/x' };
    expect(requireSinkVariables(loadConfigSources(files), env).services.map((s) => s.service)).toEqual(['checkout', 'search']);
    expect(() => requireSinkVariables(loadConfigSources(files), { ...env, PLATFORM_HOOK: '' })).toThrow(UsageError);
    expect(sinkVariables(loadConfigSources(files).config)).toEqual(['HOOK_USER', 'HOOK_PASS', 'PLATFORM_HOOK']);
  });

  it('checks one policy file the same way', () => {
    const text = `apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: shop }
spec:
  service: { name: shop }
  regions:
    - { name: eu-west-1, timezone: Europe/London, userShare: 1, clusters: [{ name: eu1 }] }
  rings:
    - { name: ring-1, regions: [eu-west-1], bake: 24h }
${OWN}`;
    expect(() => requireSinkVariables(singlePolicyConfig(text, 'shop.yaml'), {})).toThrow(/^shop\.yaml:11:23: spec\.notifications\[0\]\.webhook\.url: \$\{HOOK_USER\} is not set/);
  });
});
