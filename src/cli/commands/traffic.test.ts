/** @module Tests of `meridian traffic plan`: the verdict and table, --json, the front-door documents, exit codes. */
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { EXIT, reportError } from '../exit-codes.ts';
import { memoryIo } from '../io.ts';
import { registerTraffic } from './traffic.ts';

/** ap-south-1 25% ×1.6, eu-west-1 30% ×1.6, us-east-1 45% ×1.4. */
const POLICY = new URL('../../../examples/haproxy/policy.yaml', import.meta.url).pathname;

/** Runs `meridian traffic plan ARGS` in-process the way main.ts runs a command. */
async function trafficPlan(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo();
  let code: number = EXIT.ok;
  const output = { writeOut: (s: string) => io.out(s), writeErr: (s: string) => io.err(s) };
  const program = new Command('meridian').exitOverride().configureOutput(output);
  registerTraffic(program, io, (c) => { code = c; });
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(output);
  try {
    await program.parseAsync(['traffic', 'plan', ...args], { from: 'user' });
  } catch (e) {
    code = e instanceof CommanderError ? EXIT.usage : reportError(io, e, { debug: false, json: args.includes('--json') });
  }
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const REFUSAL = 'draining us-east-1 (45% of users) needs 0.45 of spare capacity; eu-west-1 and ap-south-1 have 0.33 (eu-west-1 0.18, ap-south-1 0.15)';

describe('meridian traffic plan', () => {
  it('says the drain is allowed and shows every production region before and after', async () => {
    expect(await trafficPlan(POLICY, '--drain', 'eu-west-1')).toEqual({
      code: 0,
      stdout: [
        'draining eu-west-1 (30% of users): allowed',
        'REGION      SHARE BEFORE  SHARE AFTER  CAPACITY  LOAD AFTER',
        'ap-south-1  25%           38.64%       40%       96.6%',
        'eu-west-1   30%           0%           48%       0%',
        'us-east-1   45%           61.36%       63%       97.4%',
        "shares and capacity in % of global users; load after in % of the region's capacity",
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it('prints a refusal with its numbers, and exits 0: a refused drain is still a plan', async () => {
    expect(await trafficPlan(POLICY, '--drain', 'us-east-1')).toEqual({ code: 0, stdout: `refused: ${REFUSAL}\n`, stderr: '' });
  });

  it('prints exactly { allowed, reason, shifts } with --json, the shifts adding up to the drained share', async () => {
    const r = await trafficPlan(POLICY, '--drain', 'eu-west-1', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as { shifts: Array<{ share: number }> };
    expect(doc).toStrictEqual({ allowed: true, reason: null, shifts: [{ to: 'ap-south-1', share: 0.1364 }, { to: 'us-east-1', share: 0.1636 }] });
    expect(doc.shifts.reduce((s, x) => s + x.share, 0)).toBeCloseTo(0.3, 10);
  });

  it('prints a refusal as JSON with its reason and no shifts', async () => {
    const r = await trafficPlan(POLICY, '--drain', 'us-east-1', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toStrictEqual({ allowed: false, reason: REFUSAL, shifts: [] });
  });

  it('prints the Route 53 change batch for an allowed drain with --output route53', async () => {
    const r = await trafficPlan(POLICY, '--drain', 'eu-west-1', '--output', 'route53');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const record = (region: string, weight: number) => ({
      Action: 'UPSERT',
      ResourceRecordSet: {
        Name: 'webapp.example.com', Type: 'CNAME', SetIdentifier: region, Weight: weight, TTL: 60, ResourceRecords: [{ Value: `${region}.ENDPOINT.example.com` }],
      },
    });
    expect(JSON.parse(r.stdout)).toStrictEqual({
      HostedZoneId: 'HOSTED-ZONE-ID',
      ChangeBatch: {
        Comment: 'meridian: drain eu-west-1 from webapp',
        Changes: [record('ap-south-1', 161), record('eu-west-1', 0), record('us-east-1', 255)],
      },
    });
  });

  it('prints one Global Accelerator endpoint group update per region with --output aws-global-accelerator', async () => {
    const r = await trafficPlan(POLICY, '--drain', 'eu-west-1', '--output', 'aws-global-accelerator');
    expect(r.code).toBe(0);
    const groups = JSON.parse(r.stdout) as Array<{ EndpointGroupArn: string; TrafficDialPercentage: number; EndpointConfigurations: Array<{ Weight: number }> }>;
    expect(groups.map((g) => [g.EndpointGroupArn.split('/').pop(), g.TrafficDialPercentage, g.EndpointConfigurations[0]!.Weight])).toEqual([
      ['ap-south-1-GROUP', 100, 128],
      ['eu-west-1-GROUP', 0, 0],
      ['us-east-1-GROUP', 100, 128],
    ]);
    expect(groups[1]!.EndpointGroupArn).toBe('arn:aws:globalaccelerator::ACCOUNT:accelerator/ACCELERATOR/listener/LISTENER/endpoint-group/eu-west-1-GROUP');
  });

  it('prints the refusal on stderr and exits 1 when there is no front-door document to print', async () => {
    expect(await trafficPlan(POLICY, '--drain', 'us-east-1', '--output', 'route53')).toEqual({ code: 1, stdout: '', stderr: `refused: ${REFUSAL}\n` });
  });

  it('names the production regions when asked to drain an unknown or internal region (exit 2)', async () => {
    expect(await trafficPlan(POLICY, '--drain', 'mars-1')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'meridian: region "mars-1" is not a region of the policy (production regions: ap-south-1, eu-west-1, us-east-1)\n',
    });
    expect((await trafficPlan(POLICY, '--drain', 'internal')).stderr).toBe(
      'meridian: region "internal" is an internal region: it serves no users (production regions: ap-south-1, eu-west-1, us-east-1)\n',
    );
  });

  it('treats a missing --drain, an unknown front door, --json with --output and a missing file as usage errors', async () => {
    const noDrain = await trafficPlan(POLICY);
    expect(noDrain.code).toBe(2);
    expect(noDrain.stderr).toContain("required option '--drain <region>' not specified");
    const door = await trafficPlan(POLICY, '--drain', 'eu-west-1', '--output', 'azure');
    expect(door.code).toBe(2);
    expect(door.stderr).toContain("option '--output <front-door>' argument 'azure' is invalid. Allowed choices are aws-global-accelerator, route53.");
    expect(await trafficPlan(POLICY, '--drain', 'eu-west-1', '--json', '--output', 'route53')).toEqual({
      code: 2, stdout: '', stderr: 'meridian: --json and --output both choose the output: give one of them\n',
    });
    expect(await trafficPlan('nope.yaml', '--drain', 'eu-west-1')).toEqual({ code: 2, stdout: '', stderr: 'meridian: nope.yaml: no such file\n' });
  });
});

describe('meridian traffic plan with residency zones (examples/residency.yaml)', () => {
  const RESIDENCY = new URL('../../../examples/residency.yaml', import.meta.url).pathname;
  const ZONE_REFUSAL = 'draining eu-central-1 (EU, 30% of users) needs 0.30 of spare capacity inside EU; the other EU region, eu-west-1, can absorb 0.12; us-west-2 and us-east-1 are outside EU';

  it('drains a region inside its zone and shows each region\'s zone', async () => {
    expect((await trafficPlan(RESIDENCY, '--drain', 'eu-west-1')).stdout).toBe([
      'draining eu-west-1 (EU, 12% of users): allowed, its users stay inside EU',
      'REGION        ZONE  SHARE BEFORE  SHARE AFTER  CAPACITY  LOAD AFTER',
      'eu-west-1     EU    12%           0%           24%       0%',
      'eu-central-1  EU    30%           42%          42%       100%',
      'us-west-2     US    20%           20%          60%       33.3%',
      'us-east-1     US    38%           38%          60.8%     62.5%',
      "shares and capacity in % of global users; load after in % of the region's capacity",
      '',
    ].join('\n'));
  });

  it('refuses a drain across the boundary, naming the zone and its numbers, in text and --json', async () => {
    expect(await trafficPlan(RESIDENCY, '--drain', 'eu-central-1')).toEqual({ code: 0, stdout: `refused: ${ZONE_REFUSAL}\n`, stderr: '' });
    expect(JSON.parse((await trafficPlan(RESIDENCY, '--drain', 'eu-central-1', '--json')).stdout)).toEqual({ allowed: false, reason: ZONE_REFUSAL, shifts: [], residency: 'EU' });
    expect(await trafficPlan(RESIDENCY, '--drain', 'eu-central-1', '--output', 'route53')).toEqual({ code: 1, stdout: '', stderr: `refused: ${ZONE_REFUSAL}\n` });
  });

  it('gives each zone a Route 53 name of its own, weighted among its regions', async () => {
    const r = await trafficPlan(RESIDENCY, '--drain', 'eu-west-1', '--output', 'route53');
    const doc = JSON.parse(r.stdout) as { ChangeBatch: { Changes: Array<{ ResourceRecordSet: { Name: string; SetIdentifier: string; Weight: number } }> } };
    expect(doc.ChangeBatch.Changes.map((c) => [c.ResourceRecordSet.Name, c.ResourceRecordSet.SetIdentifier, c.ResourceRecordSet.Weight])).toEqual([
      ['accounts.eu.example.com', 'eu-west-1', 0],
      ['accounts.eu.example.com', 'eu-central-1', 255],
      ['accounts.us.example.com', 'us-west-2', 134],
      ['accounts.us.example.com', 'us-east-1', 255],
    ]);
  });

  it('puts each zone\'s endpoint groups under an accelerator of its own, so a dial spills inside the zone', async () => {
    const r = await trafficPlan(RESIDENCY, '--drain', 'us-west-2', '--output', 'aws-global-accelerator');
    const groups = JSON.parse(r.stdout) as Array<{ EndpointGroupArn: string; TrafficDialPercentage: number }>;
    expect(groups.map((g) => [g.EndpointGroupArn, g.TrafficDialPercentage])).toEqual([
      ['arn:aws:globalaccelerator::ACCOUNT:accelerator/ACCELERATOR-EU/listener/LISTENER-EU/endpoint-group/eu-west-1-GROUP', 100],
      ['arn:aws:globalaccelerator::ACCOUNT:accelerator/ACCELERATOR-EU/listener/LISTENER-EU/endpoint-group/eu-central-1-GROUP', 100],
      ['arn:aws:globalaccelerator::ACCOUNT:accelerator/ACCELERATOR-US/listener/LISTENER-US/endpoint-group/us-west-2-GROUP', 0],
      ['arn:aws:globalaccelerator::ACCOUNT:accelerator/ACCELERATOR-US/listener/LISTENER-US/endpoint-group/us-east-1-GROUP', 100],
    ]);
  });
});
