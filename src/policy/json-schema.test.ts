import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fleetJsonSchema, jsonSchemaOf, policyJsonSchema } from './json-schema.ts';

describe('the JSON Schema of ReleasePolicy', () => {
  const schema = policyJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }>; required: string[] };

  it('is generated from the zod schema: the same fields, the same required ones', () => {
    expect(schema.required).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(Object.keys(schema.properties.spec!.properties!)).toEqual(['service', 'fleet', 'regions', 'rings', 'gates', 'metrics', 'windows', 'delivery', 'traffic', 'data', 'watch', 'notifications']);
  });

  it('asks for exactly one of spec.fleet and spec.regions', () => {
    expect(schema.properties.spec).toMatchObject({ required: ['service', 'rings'], oneOf: [{ required: ['regions'] }, { required: ['fleet'] }] });
  });

  it('is the file committed under schema/, which the examples point editors at (regenerate with meridian schema)', () => {
    const committed = readFileSync(new URL('../../schema/release-policy.json', import.meta.url), 'utf8');
    expect(JSON.parse(committed)).toEqual(JSON.parse(JSON.stringify(policyJsonSchema())));
  });
});

describe('the JSON Schema of Fleet', () => {
  const schema = fleetJsonSchema() as { $id: string; properties: Record<string, { properties?: Record<string, unknown> }>; required: string[] };

  it('is generated from the zod schema, with its own $id', () => {
    expect(schema.$id).toBe('https://meridian.dev/schemas/fleet.v1alpha1.json');
    expect(schema.required).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(Object.keys(schema.properties.spec!.properties!)).toEqual(['regions', 'windows', 'concurrency', 'notifications']);
  });

  it('is the file committed under schema/ (regenerate with meridian schema --kind Fleet)', () => {
    const committed = readFileSync(new URL('../../schema/fleet.json', import.meta.url), 'utf8');
    expect(JSON.parse(committed)).toEqual(JSON.parse(JSON.stringify(fleetJsonSchema())));
  });

  it('is chosen by kind', () => {
    expect(jsonSchemaOf('Fleet')).toEqual(fleetJsonSchema());
    expect(jsonSchemaOf('ReleasePolicy')).toEqual(policyJsonSchema());
  });
});

describe('the JSON Schema used by an editor (checked with Ajv, a JSON Schema 2020-12 validator)', () => {
  it('accepts every example policy and rejects an unknown field and a bad tier', async () => {
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const { parse } = await import('yaml');
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(policyJsonSchema());
    for (const file of ['examples/webapp.yaml', 'examples/prometheus/webapp-prometheus.yaml', 'examples/haproxy/policy.yaml', 'examples/residency.yaml']) {
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

describe('the JSON Schemas of a configuration directory, used by an editor', () => {
  it('accept the fleet example and its policies, and refuse a policy with both fleet and regions or a fleet with an unknown field', async () => {
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const { parse } = await import('yaml');
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const policy = ajv.compile(policyJsonSchema());
    const fleet = ajv.compile(fleetJsonSchema());
    type Doc = { spec: Record<string, unknown> & { regions?: unknown; fleet?: unknown; concurency?: unknown } };
    const read = (file: string): Doc => parse(readFileSync(new URL(`../../examples/fleet/${file}`, import.meta.url), 'utf8')) as Doc;
    expect(fleet(read('fleet.yaml')), JSON.stringify(fleet.errors)).toBe(true);
    for (const file of ['checkout.yaml', 'search.yaml', 'profile.yaml']) expect(policy(read(file)), `${file}: ${JSON.stringify(policy.errors)}`).toBe(true);
    const both = read('checkout.yaml');
    both.spec.regions = read('fleet.yaml').spec.regions;
    expect(policy(both)).toBe(false);
    const neither = read('checkout.yaml');
    delete neither.spec.fleet;
    expect(policy(neither)).toBe(false);
    const odd = read('fleet.yaml');
    odd.spec.concurency = { perRegion: 2 };
    expect(fleet(odd)).toBe(false);
  });
});
