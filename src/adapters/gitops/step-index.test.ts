/** @module Tests of the step index's names and of reading what a fetch saw (no git runs here). */
import { describe, expect, it } from 'vitest';
import { parseFetchHead, refComponent, stepRef, stepRefspec } from './step-index.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('step index refs', () => {
  it('names a step refs/meridian/steps/<release>/<ring>/<kind>', () => {
    expect(stepRef({ release: 'webapp-v2.1.0-1a2b3c4d', step: 'ring-2/deploy' })).toBe('refs/meridian/steps/webapp-v2.1.0-1a2b3c4d/ring-2/deploy');
    expect(stepRefspec('webapp-v2.1.0')).toBe('+refs/meridian/steps/webapp-v2.1.0/*:refs/meridian/fetched/*');
  });

  it('writes a name git would refuse as a ref component as _ and its SHA-256, never like a name as it is', () => {
    for (const name of ['v2..1', 'ring.', 'x.lock']) {
      expect(refComponent(name)).toMatch(/^_[0-9a-f]{64}$/);
    }
    expect(refComponent('v2..1')).not.toBe(refComponent('v2..2'));
    expect(refComponent('ring-1.5')).toBe('ring-1.5');
    expect(stepRef({ release: 'a..b', step: 'ring.lock/rollback' })).toMatch(/^refs\/meridian\/steps\/_[0-9a-f]{64}\/_[0-9a-f]{64}\/rollback$/);
  });
});

describe('parseFetchHead', () => {
  it("reads the branch's tip and the step refs a fetch matched", () => {
    const text = [
      `${A}\t\tbranch 'main' of /srv/gitops.git`,
      `${B}\t\t'refs/meridian/steps/webapp-v2/ring-1/deploy' of /srv/gitops.git`,
      `${A}\tnot-for-merge\t'refs/meridian/steps/webapp-v2/ring-1/rollback' of /srv/gitops.git`,
      `${B}\t\tbranch 'other' of /srv/gitops.git`,
      `${B}\t\t'refs/tags/v1' of /srv/gitops.git`,
      '',
    ].join('\n');
    const state = parseFetchHead(text, 'main');
    expect(state.tip).toBe(A);
    expect([...state.steps]).toEqual([
      ['refs/meridian/steps/webapp-v2/ring-1/deploy', B],
      ['refs/meridian/steps/webapp-v2/ring-1/rollback', A],
    ]);
  });

  it('tells nothing from an empty or unexpected file', () => {
    expect(parseFetchHead('', 'main')).toEqual({ tip: null, steps: new Map() });
    expect(parseFetchHead('not a fetch head\n', 'main')).toEqual({ tip: null, steps: new Map() });
  });
});
