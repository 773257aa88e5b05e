/** @module Tests of `meridian schema`: the JSON Schema of ReleasePolicy by default, of Fleet with --kind Fleet. */
import { describe, expect, it } from 'vitest';
import { fleetJsonSchema, policyJsonSchema } from '../../policy/json-schema.ts';
import { EXIT } from '../exit-codes.ts';
import { cli } from '../run.test-helper.ts';

describe('meridian schema', () => {
  it('prints the JSON Schema of ReleasePolicy, as before', async () => {
    const r = await cli('schema');
    expect(r.code).toBe(EXIT.ok);
    expect(r.err).toBe('');
    expect(r.out).toBe(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
    expect((await cli('schema', '--kind', 'ReleasePolicy')).out).toBe(r.out);
  });

  it('prints the JSON Schema of Fleet with --kind Fleet', async () => {
    const r = await cli('schema', '--kind', 'Fleet');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toBe(`${JSON.stringify(fleetJsonSchema(), null, 2)}\n`);
  });

  it('refuses another kind as a usage error naming the kinds', async () => {
    expect(await cli('schema', '--kind', 'Release')).toEqual({ code: EXIT.usage, out: '', err: 'meridian: --kind "Release" is not ReleasePolicy or Fleet\n' });
  });
});
