import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy/load.ts';
import { DEMO_POLICY, DEMO_POLICY_FILE, demoPolicyDeployingAnyTime } from './demo-default.ts';

describe('the demo policy', () => {
  it('deploys inside business hours as written, and at any time for the live demo', () => {
    expect(loadPolicy(DEMO_POLICY, DEMO_POLICY_FILE).policy.spec.windows.deploy).toBe('business-hours');
    const live = loadPolicy(demoPolicyDeployingAnyTime(), DEMO_POLICY_FILE).policy;
    expect(live.spec.windows.deploy).toBe('always');
    expect(live.spec.rings).toEqual(loadPolicy(DEMO_POLICY, DEMO_POLICY_FILE).policy.spec.rings);
  });
});
