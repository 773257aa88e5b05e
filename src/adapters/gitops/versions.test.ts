/** @module Tests of replaying step commits into each region's version: deploys, rollbacks, older commits without version trailers, what tells nothing. */
import { describe, expect, it } from 'vitest';
import { parseTrailers, stepOf, type LogEntry } from './commits.ts';
import { parseSubject, regionVersions } from './versions.ts';

let n = 0;
/** A log entry as git gives it; `trailers` as `Key: value` lines. */
function entry(subject: string, ...trailers: string[]): LogEntry {
  const parsed = parseTrailers(trailers.join('\x1d'));
  return { id: `c${++n}`, subject, trailers: parsed, step: stepOf(parsed) };
}
const step = (release: string, s: string) => [`Meridian-Release: ${release}`, `Meridian-Step: ${s}`];
/** Oldest first here; git log gives newest first. */
const replay = (oldestFirst: LogEntry[], regions = ['ap-south-1', 'eu-west-1', 'us-east-1']) => regionVersions([...oldestFirst].reverse(), 'webapp', regions);

describe('parseSubject', () => {
  it('reads the version and the regions of a step subject of the service', () => {
    expect(parseSubject('webapp v2.1.0: deploy ring-2 (eu-west-1, us-east-1)', 'webapp', 'deploy', 'ring-2')).toEqual({ version: 'v2.1.0', regions: ['eu-west-1', 'us-east-1'] });
    expect(parseSubject('webapp v2.1.0: rollback ring-0', 'webapp', 'rollback', 'ring-0')).toEqual({ version: 'v2.1.0', regions: [] });
  });

  it('is null for another service, another step or a subject that does not end with the step', () => {
    expect(parseSubject('webapp-api v2: deploy ring-2 (eu-west-1)', 'webapp', 'deploy', 'ring-2')).toBeNull();
    expect(parseSubject('webapp v2: deploy ring-2 (eu-west-1)', 'webapp', 'rollback', 'ring-2')).toBeNull();
    expect(parseSubject('webapp v2: deploy ring-2 (eu-west-1) and more', 'webapp', 'deploy', 'ring-2')).toBeNull();
  });
});

describe('regionVersions', () => {
  it('takes the recorded versions of deploys and rollbacks, newest last', () => {
    expect(replay([
      entry('webapp v2.1.0: deploy ring-1 (ap-south-1)', ...step('r21', 'ring-1/deploy'), 'Meridian-Version: v2.1.0', 'Meridian-Previous-Version: v2.0.0'),
      entry('webapp v2.2.0: deploy ring-1 (ap-south-1)', ...step('r22', 'ring-1/deploy'), 'Meridian-Version: v2.2.0', 'Meridian-Previous-Version: v2.1.0'),
      entry('webapp v2.2.0: deploy ring-2 (eu-west-1)', ...step('r22', 'ring-2/deploy'), 'Meridian-Version: v2.2.0', 'Meridian-Previous-Version: v2.1.0'),
      entry('webapp v2.2.0: rollback ring-2 (eu-west-1)', ...step('r22', 'ring-2/rollback'), 'Meridian-Version: v2.1.0'),
    ])).toEqual({ 'ap-south-1': 'v2.2.0', 'eu-west-1': 'v2.1.0' });
  });

  it('reads older commits from their subjects; their rollback restores what the replay saw before the deploy, or leaves the region out', () => {
    expect(replay([
      entry('webapp v1.8.0: deploy ring-1 (ap-south-1)', ...step('r18', 'ring-1/deploy')),
      entry('webapp v1.9.0: deploy ring-1 (ap-south-1)', ...step('r19', 'ring-1/deploy')),
      entry('webapp v1.9.0: deploy ring-2 (eu-west-1)', ...step('r19', 'ring-2/deploy')),
      entry('webapp v1.9.0: rollback ring-1 (ap-south-1)', ...step('r19', 'ring-1/rollback')),
      entry('webapp v1.9.0: rollback ring-2 (eu-west-1)', ...step('r19', 'ring-2/rollback')),
    ])).toEqual({ 'ap-south-1': 'v1.8.0' });
  });

  it('lets a rollback with no deploy in reach change nothing', () => {
    expect(replay([
      entry('webapp v2.1.0: deploy ring-3 (us-east-1)', ...step('r21', 'ring-3/deploy'), 'Meridian-Version: v2.1.0'),
      entry('webapp v2.2.0: rollback ring-3 (us-east-1)', ...step('r22', 'ring-3/rollback')),
    ])).toEqual({ 'us-east-1': 'v2.1.0' });
  });

  it('ignores commits without exactly one trailer pair, of other services, and regions not asked about', () => {
    expect(replay([
      entry('webapp v2.1.0: deploy ring-1 (ap-south-1, us-east-1)', ...step('r21', 'ring-1/deploy')),
      entry('webapp v6: deploy ring-1 (ap-south-1)'),
      entry('webapp v6: deploy ring-1 (ap-south-1)', ...step('a', 'ring-1/deploy'), 'Meridian-Release: b'),
      entry('webapp v6: deploy ring-1 (ap-south-1)', ...step('a', 'ring-1/deploy'), 'Meridian-Version: v6', 'Meridian-Version: v7'),
      entry('search v6: deploy ring-1 (ap-south-1)', ...step('s6', 'ring-1/deploy')),
      entry('webapp v6: deploy ring-1 (ap-south-1)', ...step('a', 'ring-1/dance')),
    ], ['ap-south-1'])).toEqual({ 'ap-south-1': 'v2.1.0' });
  });
});
