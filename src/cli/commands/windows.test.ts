import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../run.test-helper.ts';

const tmp = mkdtempSync(join(tmpdir(), 'meridian-windows-'));

describe('meridian windows', () => {
  it('prints each production ring’s windows for the week and the quietest start', async () => {
    const r = await cli('windows', 'examples/webapp.yaml', '--start', '2026-03-02T00:00:00Z');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(0, 2)).toEqual([
      'ring-1 (ap-south-1): 40 h this week inside every region\'s business hours; quietest start Mon 2026-03-02 03:30Z (traffic 0.2852 x the global mean)',
      '  Mon 2026-03-02  03:30Z-11:30Z  quietest 03:30Z (0.2852)',
    ]);
  });

  it('gives JSON with ISO times', async () => {
    const r = await cli('windows', 'examples/webapp.yaml', '--start', '2026-03-02T00:00:00Z', '--json');
    const doc = JSON.parse(r.out) as { weekOf: string; rings: Array<{ ring: string; best: { at: string } | null; windows: unknown[] }> };
    expect(doc.weekOf).toBe('2026-03-02T00:00:00.000Z');
    expect(doc.rings.map((x) => x.ring)).toEqual(['ring-1', 'ring-2', 'ring-3']);
    expect(doc.rings[2]!.best!.at).toBe('2026-03-02T14:00:00.000Z');
    expect(doc.rings[0]!.windows).toHaveLength(5);
  });

  it('takes a traffic file and reports its mistakes with their lines', async () => {
    const good = join(tmp, 'traffic.yaml');
    writeFileSync(good, `eu-west-1: [${Array.from({ length: 24 }, (_, h) => (h === 15 ? 0.2 : 1)).join(', ')}]\n`);
    const r = await cli('windows', 'examples/webapp.yaml', '--start', '2026-03-02T00:00:00Z', '--traffic', good, '--json');
    const ring2 = (JSON.parse(r.out) as { rings: Array<{ best: { at: string } }> }).rings[1]!;
    expect(ring2.best.at).toBe('2026-03-02T15:00:00.000Z');

    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, `eu-west-1: [1, 2, 3]\neu-wets-1: []\nus-east-1: [${Array.from({ length: 24 }, () => 0).join(', ')}]\n`);
    const b = await cli('windows', 'examples/webapp.yaml', '--traffic', bad);
    expect(b.code).toBe(1);
    // The same rules and messages as a scenario's spec.traffic.
    expect(b.err).toBe(
      `${bad}:1:12: eu-west-1: needs exactly 24 hourly weights (local hours 00..23), got 3\n` +
        `${bad}:2:12: eu-wets-1: needs exactly 24 hourly weights (local hours 00..23), got 0\n` +
        `${bad}:3:12: us-east-1: at least one hourly weight must be above 0\n`,
    );
  });

  it('names a region the policy does not have, with the close name', async () => {
    const typo = join(tmp, 'typo.yaml');
    writeFileSync(typo, `eu-wets-1: [${Array.from({ length: 24 }, () => 1).join(', ')}]\n`);
    const r = await cli('windows', 'examples/webapp.yaml', '--traffic', typo);
    expect(r).toEqual({ code: 1, out: '', err: `${typo}:1:1: eu-wets-1: region "eu-wets-1" is not in policy webapp (did you mean "eu-west-1"?)\n` });
    const far = join(tmp, 'far.yaml');
    writeFileSync(far, `mars-1: [${Array.from({ length: 24 }, () => 1).join(', ')}]\n`);
    expect((await cli('windows', 'examples/webapp.yaml', '--traffic', far)).err).toBe(
      `${far}:1:1: mars-1: region "mars-1" is not in policy webapp (known: internal, ap-south-1, eu-west-1, us-east-1)\n`,
    );
  });

  it('refuses a bad --start as a usage error', async () => {
    expect(await cli('windows', 'examples/webapp.yaml', '--start', 'monday')).toEqual({ code: 2, out: '', err: 'meridian: --start "monday" is not a time (use ISO 8601 with an offset, e.g. 2026-03-02T00:00:00Z)\n' });
  });
});
