/** @module Tests for rendering Argo CD Application names from the policy's template. */
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors.ts';
import type { ClusterTarget } from '../../ports.ts';
import { renderApplicationName, splitApplicationName } from './application-name.ts';

const cluster: ClusterTarget = { name: 'eu-west-1a', region: 'eu-west-1', labels: { env: 'prod', team: 'payments' } };

function messageOf(fn: () => unknown): { message: string; retryable: boolean } {
  try {
    fn();
  } catch (e) {
    if (e instanceof AdapterError) return { message: e.message, retryable: e.retryable };
    throw e;
  }
  throw new Error('expected an AdapterError');
}

describe('renderApplicationName', () => {
  it('fills in the cluster, region, ring and labels', () => {
    expect(renderApplicationName('webapp-{{cluster}}', cluster, 'canary')).toBe('webapp-eu-west-1a');
    expect(renderApplicationName('{{labels.team}}-{{region}}-{{ring}}-{{labels.env}}', cluster, 'canary')).toBe('payments-eu-west-1-canary-prod');
  });

  it('allows spaces inside the braces, as ApplicationSet templates often have', () => {
    expect(renderApplicationName('webapp-{{ cluster }}', cluster, 'canary')).toBe('webapp-eu-west-1a');
  });

  it('leaves a template without placeholders as it is', () => {
    expect(renderApplicationName('webapp', cluster, 'canary')).toBe('webapp');
  });

  it('names the template, the cluster and the label when a label is missing', () => {
    expect(messageOf(() => renderApplicationName('webapp-{{labels.shard}}', cluster, 'canary'))).toEqual({
      message: 'spec.delivery.health.argocd.application: "webapp-{{labels.shard}}" uses {{labels.shard}}, but cluster "eu-west-1a" has no label "shard"',
      retryable: false,
    });
  });

  it('refuses an unknown placeholder and lists the known ones', () => {
    expect(messageOf(() => renderApplicationName('webapp-{{name}}', cluster, 'canary')).message).toBe(
      'spec.delivery.health.argocd.application: "webapp-{{name}}" has an unknown placeholder {{name}} (use {{cluster}}, {{region}}, {{ring}} or {{labels.KEY}})',
    );
  });

  it('refuses an unclosed placeholder and an empty result', () => {
    expect(messageOf(() => renderApplicationName('webapp-{{cluster', cluster, 'canary')).message).toBe(
      'spec.delivery.health.argocd.application: "webapp-{{cluster" has an unclosed placeholder',
    );
    expect(messageOf(() => renderApplicationName('{{labels.blank}}', { ...cluster, labels: { blank: '' } }, 'canary')).message).toBe(
      'spec.delivery.health.argocd.application: "{{labels.blank}}" renders an empty name for cluster "eu-west-1a"',
    );
  });
});

describe('splitApplicationName', () => {
  it('reads namespace/name as an Application in another namespace', () => {
    expect(splitApplicationName('team-a/webapp-eu')).toEqual({ namespace: 'team-a', name: 'webapp-eu' });
  });

  it('keeps a plain name, and anything with a leading, trailing or second slash, as a name', () => {
    expect(splitApplicationName('webapp-eu')).toEqual({ name: 'webapp-eu' });
    expect(splitApplicationName('/webapp')).toEqual({ name: '/webapp' });
    expect(splitApplicationName('a/b/c')).toEqual({ name: 'a/b/c' });
  });
});
