import { describe, expect, it } from 'vitest';
import { policyOf } from './fake-ports.test-helper.ts';
import { refuseRelease } from './release-rules.ts';

const policy = policyOf();
const everywhere = (v: string) => ({ internal: v, 'ap-south-1': v, 'eu-west-1': v, 'us-east-1': v });

describe('release rules (expand-contract)', () => {
  it('refuses schema and app changes in one release', () => {
    expect(refuseRelease(policy, { changes: ['schema', 'app'], schemaPhase: 'expand' }, everywhere('v1'))).toEqual({
      kind: 'invalid',
      message: 'a release with schema changes must not also carry app changes: release the schema change on its own (expand), then the code, then the contract step',
    });
  });

  it('refuses a contract step while production regions run different versions, naming them', () => {
    const mixed = { ...everywhere('v1'), 'ap-south-1': 'v2' };
    expect(refuseRelease(policy, { changes: ['schema'], schemaPhase: 'contract' }, mixed)).toEqual({
      kind: 'conflict',
      message: 'a contract schema release waits until every production region runs one version: ap-south-1 runs v2; eu-west-1, us-east-1 run v1',
    });
  });

  it('refuses a contract step when a region version is not known', () => {
    expect(refuseRelease(policy, { changes: ['schema'], schemaPhase: 'contract' }, {})?.message).toBe(
      'a contract schema release waits until every production region runs one version: ap-south-1, eu-west-1, us-east-1 run unknown',
    );
  });

  it('allows a contract step once every production region runs one version, and an expand step any time', () => {
    expect(refuseRelease(policy, { changes: ['schema'], schemaPhase: 'contract' }, everywhere('v2'))).toBeNull();
    expect(refuseRelease(policy, { changes: ['schema'], schemaPhase: 'expand' }, { 'ap-south-1': 'v2' })).toBeNull();
    expect(refuseRelease(policy, { changes: ['app'], schemaPhase: 'expand' }, {})).toBeNull();
  });
});
