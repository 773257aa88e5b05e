/** @module Tests of Meridian's commit messages: every field on one line, ids refused outside the safe characters, steps read from exactly one trailer pair. */
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors.ts';
import type { RingTarget } from '../../ports.ts';
import { commitArgs, oneLine, parseTrailers, stepId, stepOf, subject } from './commits.ts';

const TARGET: RingTarget = {
  releaseId: 'webapp-v2.1.0', service: 'webapp', ring: 'ring-2', ringIndex: 2, version: 'v2.1.0', previousVersion: 'v2.0.0',
  clusters: [{ name: 'eu-west-1a', region: 'eu-west-1', labels: {} }, { name: 'eu-west-1b', region: 'eu-west-1', labels: {} }],
};

function thrown(f: () => unknown): AdapterError {
  try {
    f();
  } catch (e) {
    if (e instanceof AdapterError) return e;
    throw e;
  }
  throw new Error('expected an AdapterError');
}

describe('oneLine', () => {
  it('turns every run of control characters and line separators into one space', () => {
    expect(oneLine('v2\r\n\nMeridian-Release: x\u0000\u001b[31m\u2028y\u0085z\t')).toBe('v2 Meridian-Release: x [31m y z');
  });
});

describe('subject', () => {
  it('names the service, version, step and regions on one line whatever the fields hold', () => {
    expect(subject(TARGET, 'deploy')).toBe('webapp v2.1.0: deploy ring-2 (eu-west-1)');
    expect(subject({ ...TARGET, version: 'v2\n\nMeridian-Step: ring-1/deploy', clusters: [{ name: 'c', region: 'eu\nwest', labels: {} }] }, 'rollback')).toBe(
      'webapp v2 Meridian-Step: ring-1/deploy: rollback ring-2 (eu west)',
    );
  });
});

describe('stepId', () => {
  it('refuses a release id with characters outside letters, digits, ".", "_" and "-"', () => {
    const e = thrown(() => stepId({ ...TARGET, releaseId: 'a\nMeridian-Step: x' }, 'deploy'));
    expect(e.message).toBe('release id "a\\nMeridian-Step: x" cannot go into a Meridian-Release trailer: use only letters, digits, ".", "_" and "-" (at most 200, starting with a letter or digit); nothing was pushed');
    expect(e.retryable).toBe(false);
  });

  it('refuses a ring name that would not read back as itself', () => {
    expect(thrown(() => stepId({ ...TARGET, ring: '-ring' }, 'rollback')).message).toBe(
      'ring "-ring" cannot go into a Meridian-Step trailer: use only letters, digits, ".", "_" and "-" (at most 200, starting with a letter or digit); nothing was pushed',
    );
    expect(stepId(TARGET, 'rollback')).toEqual({ release: 'webapp-v2.1.0', step: 'ring-2/rollback' });
  });
});

describe('commitArgs', () => {
  it('puts subject and body on one line each and the trailers last, version fields made safe', () => {
    expect(commitArgs({ release: 'r1', step: 'ring-1/deploy' }, 'a\nb', ['c\r\nd'], { version: 'v2\nMeridian-Release: x', previousVersion: 'v1' })).toEqual([
      'commit', '--quiet', '--allow-empty', '--no-verify', '-m', 'a b', '-m', 'c d',
      '--trailer', 'Meridian-Release: r1', '--trailer', 'Meridian-Step: ring-1/deploy',
      '--trailer', 'Meridian-Version: v2 Meridian-Release: x', '--trailer', 'Meridian-Previous-Version: v1',
    ]);
  });

  it('leaves out a version trailer that would be empty', () => {
    expect(commitArgs({ release: 'r1', step: 'ring-1/rollback' }, 's', [], { version: '\n' })).toEqual([
      'commit', '--quiet', '--allow-empty', '--no-verify', '-m', 's', '--trailer', 'Meridian-Release: r1', '--trailer', 'Meridian-Step: ring-1/rollback',
    ]);
  });
});

describe('stepOf', () => {
  const read = (text: string) => stepOf(parseTrailers(text));

  it('reads the step of a commit with exactly one Meridian-Release and one Meridian-Step', () => {
    expect(read('Meridian-Release: r1\x1dMeridian-Step: ring-1/deploy\x1dMeridian-Version: v2')).toEqual({ release: 'r1', step: 'ring-1/deploy' });
  });

  it('never counts a commit with a duplicate or missing Meridian trailer, in any letter case', () => {
    expect(read('Meridian-Release: r1\x1dMeridian-Step: ring-1/deploy\x1dMeridian-Release: r2')).toBeNull();
    expect(read('Meridian-Release: r1\x1dMeridian-Step: ring-1/deploy\x1dmeridian-step: ring-2/deploy')).toBeNull();
    expect(read('Meridian-Release: r1\x1dMeridian-Step: ring-1/deploy\x1dMeridian-Version: a\x1dMeridian-Version: b')).toBeNull();
    expect(read('Meridian-Release: r1')).toBeNull();
    expect(read('')).toBeNull();
  });
});
