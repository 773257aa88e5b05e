/** @module Tests of the blast radius per residency zone in the release view and on the release page. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initialState } from '../../engine/decide.ts';
import { policyOf } from '../../engine/fake-ports.test-helper.ts';
import { loadPolicy } from '../../policy/load.ts';
import { releaseView } from '../../runtime/release-view.ts';
import { blastRadius } from './world-view.ts';

const { policy } = loadPolicy(readFileSync(new URL('../../../examples/residency.yaml', import.meta.url), 'utf8'), 'examples/residency.yaml');
const release = { id: 'r', service: 'accounts', version: 'v2', previousVersion: 'v1', changes: ['app' as const], schemaPhase: 'expand' as const };

/** A release of the example in which `onNew` run v2 and every other region v1. */
function viewWith(onNew: string[]) {
  const state = initialState(policy, release, Object.fromEntries(onNew.map((r) => [r, 'v2'])), Date.parse('2026-03-02T03:30:00Z'));
  return releaseView(policy, state);
}

/** The page's text without its markup, spaces collapsed. */
const text = (markup: string): string => markup.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();

describe('the blast radius per residency zone', () => {
  it('is in the release view: each zone\'s share of its own users on the new version, and where it runs', () => {
    expect(viewWith(['internal', 'eu-west-1', 'us-west-2']).blastRadius).toEqual({
      userShare: 0.32,
      zones: [
        { residency: 'EU', userShare: 0.2857, regions: ['eu-west-1'] },
        { residency: 'US', userShare: 0.3448, regions: ['us-west-2'] },
      ],
    });
  });

  it('is on the release page under the global bar, one line and bar per zone', () => {
    const markup = blastRadius(viewWith(['internal', 'eu-west-1', 'eu-central-1'])).toString();
    expect(text(markup)).toBe('42% of users on v2 100% of EU users (eu-west-1, eu-central-1) 0% of US users');
    expect(markup).toContain('aria-label="100% of EU users on v2"');
    expect(markup).toContain('aria-label="0% of US users on v2"');
  });

  it('is not there for a policy without zones', () => {
    const plain = policyOf();
    const state = initialState(plain, { ...release, service: 'shop' }, { 'ap-south-1': 'v2' }, 0);
    const view = releaseView(plain, state);
    expect(view.blastRadius).toEqual({ userShare: 0.25 });
    expect(blastRadius(view).toString()).not.toContain('blast-zones');
  });
});
