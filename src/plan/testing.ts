/**
 * @module Test fixtures for the planner: small policies built from plain objects with the schema's
 * defaults applied. Used only by tests.
 */
import { PolicyDocument, type Policy, type PolicyInput, type Region } from '../policy/schema.ts';

type RegionInput = PolicyInput['spec']['regions'][number];
type RingInput = PolicyInput['spec']['rings'][number];
type WindowsInput = PolicyInput['spec']['windows'];

export function region(name: string, timezone: string, more: Partial<RegionInput> = {}): RegionInput {
  return { name, timezone, clusters: [{ name }], ...more };
}

/** A policy holding exactly these regions and rings (shares and references are not checked). */
export function policyOf(regions: RegionInput[], rings: RingInput[], windows?: WindowsInput, deployTime?: string): Policy {
  return PolicyDocument.parse({
    apiVersion: 'meridian.dev/v1alpha1',
    kind: 'ReleasePolicy',
    metadata: { name: 'test' },
    spec: {
      service: { name: 'test' },
      regions,
      rings,
      ...(windows ? { windows } : {}),
      ...(deployTime ? { delivery: { deployTime } } : {}),
    },
  });
}

/** One region as the policy loader produces it (defaults filled in). */
export function regionOf(name: string, timezone: string, more: Partial<RegionInput> = {}): Region {
  return policyOf([region(name, timezone, more)], [{ name: 'ring', regions: [name] }]).spec.regions[0]!;
}

export const at = (iso: string): number => Date.parse(iso);
