import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { policyJsonSchema } from './json-schema.ts';

describe('the JSON Schema of ReleasePolicy', () => {
  const schema = policyJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }>; required: string[] };

  it('is generated from the zod schema: the same fields, the same required ones', () => {
    expect(schema.required).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(Object.keys(schema.properties.spec!.properties!)).toEqual(['service', 'regions', 'rings', 'gates', 'metrics', 'windows', 'delivery', 'traffic', 'data', 'watch']);
  });

  it('is the file committed under schema/, which the examples point editors at (regenerate with meridian schema)', () => {
    const committed = readFileSync(new URL('../../schema/release-policy.json', import.meta.url), 'utf8');
    expect(JSON.parse(committed)).toEqual(JSON.parse(JSON.stringify(policyJsonSchema())));
  });
});

describe('the JSON Schema used by an editor (checked with Ajv, a JSON Schema 2020-12 validator)', () => {
  it('accepts every example policy and rejects an unknown field and a bad tier', async () => {
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const { parse } = await import('yaml');
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(policyJsonSchema());
    for (const file of ['examples/webapp.yaml', 'examples/prometheus/webapp-prometheus.yaml', 'examples/haproxy/policy.yaml']) {
      const doc = parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'));
      expect(validate(doc), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const bad = parse(readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8'));
    bad.spec.service.tier = 5;
    bad.spec.regions[1].usrShare = 0.3;
    expect(validate(bad)).toBe(false);
    expect(validate.errors!.map((e: { instancePath: string }) => e.instancePath).sort()).toEqual(expect.arrayContaining(['/spec/regions/1', '/spec/service/tier']));
  });
});
