/**
 * @module The weights of the global front doors, computed from a drain plan or from the current
 * weights: HAProxy-style integer weights, AWS Global Accelerator endpoint groups and Route 53
 * weighted records. Pure: it builds the JSON documents a person (or a pipeline) hands to the AWS
 * CLI, and calls no cloud. Every identifier Meridian cannot know is a clearly marked placeholder in
 * capitals (ACCOUNT, ACCELERATOR, LISTENER, HOSTED-ZONE-ID, ENDPOINT...), to replace before use.
 *
 * AWS Global Accelerator — `aws globalaccelerator update-endpoint-group --cli-input-json FILE`
 * (UpdateEndpointGroup; the API lives in us-west-2, so add `--region us-west-2`). One call per
 * endpoint group, i.e. per region, so we produce a JSON array with one document per region:
 * ```json
 * { "EndpointGroupArn": "arn:aws:globalaccelerator::ACCOUNT:accelerator/ACCELERATOR/listener/LISTENER/endpoint-group/eu-west-1-GROUP",
 *   "TrafficDialPercentage": 0,
 *   "EndpointConfigurations": [{ "EndpointId": "arn:aws:elasticloadbalancing:eu-west-1:ACCOUNT:loadbalancer/app/LOAD-BALANCER/ID", "Weight": 0 }] }
 * ```
 * `TrafficDialPercentage` (0–100, default 100) is the percentage of the traffic that proximity
 * routing would send to the region that the region keeps; the rest goes to the other endpoint
 * groups of the listener. A dial can only turn a region down, never pull more users to it, and
 * Global Accelerator (not Meridian) chooses where the spilled users go — by proximity, not in
 * proportion to spare capacity as `planDrain` does. So: a drained region gets dial 0, a region
 * keeping s of its own share u gets round(100 × s ÷ u) (at least 1 when s > 0), and a region that
 * takes on users gets 100. `Weight` (0–255, default 128) splits traffic between the endpoints of
 * one group: 128 for a serving region's endpoint, 0 for a drained one. Beware: the call replaces
 * the group's list of endpoints with `EndpointConfigurations`, so list every endpoint of the group.
 *
 * Route 53 — `aws route53 change-resource-record-sets --cli-input-json FILE`
 * (ChangeResourceRecordSets): one document for all regions:
 * ```json
 * { "HostedZoneId": "HOSTED-ZONE-ID",
 *   "ChangeBatch": { "Comment": "...", "Changes": [{ "Action": "UPSERT", "ResourceRecordSet": {
 *       "Name": "webapp.example.com", "Type": "CNAME", "SetIdentifier": "eu-west-1", "Weight": 0,
 *       "TTL": 60, "ResourceRecords": [{ "Value": "eu-west-1.ENDPOINT.example.com" }] } }] } }
 * ```
 * Route 53 answers a query with a record with probability Weight ÷ (sum of the weights of the
 * records with the same name and type); `Weight` is 0–255, one ResourceRecord per weighted record,
 * and a weight of 0 takes the record out — unless every record has weight 0, in which case Route 53
 * answers with all of them equally. We never produce that: a plan in which no region serves is
 * refused. The TTL bounds how long resolvers keep sending users to a drained region (60 s default).
 *
 * Residency zones: one accelerator, or one weighted record set, spans users of every region, and
 * both move a drained region's users by their own rules (proximity; weight over all the records of
 * a name). So the regions of a zone get a front door of their own: Global Accelerator endpoint
 * groups under an accelerator per zone (placeholder ACCELERATOR-EU, LISTENER-EU), whose dials spill
 * only to groups of the same listener, and Route 53 records under a name per zone (placeholder
 * SERVICE.eu.example.com, for geolocation routing to send the zone's users to), weighted among
 * themselves. Each zone keeps at least one serving region, or the documents are refused.
 */
import { UsageError } from '../errors.ts';
import { productionRegions, round } from '../policy/model.ts';
import type { Policy, Region } from '../policy/schema.ts';
import type { DrainPlan } from './headroom.ts';

/** Each production region's share of global users, as the front door should split them. */
export type Shares = Record<string, number>;

/** The shares once `region` is drained as `plan` says: its users moved by the plan's shifts. */
export function sharesAfterDrain(policy: Policy, region: string, plan: DrainPlan): Shares {
  if (!plan.allowed) throw new UsageError(`the drain of ${region} is refused: ${plan.reason ?? 'no reason given'}`);
  const shares: Shares = {};
  for (const r of productionRegions(policy)) shares[r.name] = r.name === region ? 0 : (r.userShare ?? 0);
  for (const s of plan.shifts) shares[s.to] = round((shares[s.to] ?? 0) + s.share);
  return shares;
}

/**
 * The shares that current load balancer weights (the Traffic port's `weights()`) stand for: each
 * production region's weight over the sum of them; a region without a weight has 0.
 */
export function sharesFromWeights(policy: Policy, weights: Record<string, number>): Shares {
  const names = productionRegions(policy).map((r) => r.name);
  for (const n of names) checkShare(n, weights[n] ?? 0);
  const total = names.reduce((s, n) => s + (weights[n] ?? 0), 0);
  return Object.fromEntries(names.map((n) => [n, total > 0 ? round((weights[n] ?? 0) / total) : 0]));
}

function checkShare(region: string, share: number): void {
  if (!Number.isFinite(share) || share < 0) throw new UsageError(`the weight of ${region} must be a number ≥ 0 (got ${share})`);
}

/**
 * Integer weights in 0..`max` in proportion to `shares`: the largest share gets `max` (the finest
 * split the front door can express), a positive share never rounds down to 0 (that would drain a
 * region nobody meant to drain), and 0 stays 0. All shares 0 → all weights 0.
 */
export function integerWeights(shares: Shares, max: number): Record<string, number> {
  const entries = Object.entries(shares);
  for (const [name, share] of entries) checkShare(name, share);
  const top = Math.max(0, ...entries.map(([, s]) => s));
  return Object.fromEntries(entries.map(([name, s]) => [name, s === 0 || top === 0 ? 0 : Math.max(1, Math.round((s / top) * max))]));
}

function serving(shares: Shares, door: string): void {
  if (!Object.values(shares).some((s) => s > 0)) throw new UsageError(`no region would serve users: refusing to build ${door} weights that drain every region`);
}

/** The production regions by residency zone (undefined: the unrestricted ones), in policy order; every zone keeps a serving region. */
function byZone(regions: readonly Region[], shares: Shares, door: string): Map<string | undefined, Region[]> {
  const zones = new Map<string | undefined, Region[]>();
  for (const r of regions) zones.set(r.residency, [...(zones.get(r.residency) ?? []), r]);
  for (const [zone, members] of zones) {
    if (zone !== undefined && !members.some((r) => (shares[r.name] ?? 0) > 0)) {
      throw new UsageError(`no ${zone} region would serve users: refusing to build ${door} weights that drain every region of ${zone} (its users may not go elsewhere)`);
    }
  }
  return zones;
}

/** One `update-endpoint-group --cli-input-json` document. */
export interface GlobalAcceleratorInput {
  EndpointGroupArn: string;
  TrafficDialPercentage: number;
  EndpointConfigurations: Array<{ EndpointId: string; Weight: number }>;
}

export interface GlobalAcceleratorOptions {
  /** The endpoint group ARN of a region (default: a placeholder ARN naming the region, and its zone's accelerator). */
  endpointGroupArn?: (region: string, zone?: string) => string;
  /** The endpoint in a region's group (default: a placeholder load balancer ARN). */
  endpointId?: (region: string) => string;
}

/** Global Accelerator's default endpoint weight. */
export const GA_DEFAULT_WEIGHT = 128;

export const placeholderEndpointGroupArn = (region: string, zone?: string): string => {
  const z = zone === undefined ? '' : `-${zone}`;
  return `arn:aws:globalaccelerator::ACCOUNT:accelerator/ACCELERATOR${z}/listener/LISTENER${z}/endpoint-group/${region}-GROUP`;
};
export const placeholderEndpointId = (region: string): string =>
  `arn:aws:elasticloadbalancing:${region}:ACCOUNT:loadbalancer/app/LOAD-BALANCER/ID`;

/** The traffic dial of a region whose natural share is `own` and planned share `share`. */
export function trafficDial(share: number, own: number): number {
  if (share <= 0) return 0;
  if (own <= 0 || share >= own) return 100;
  return Math.max(1, Math.round((100 * share) / own));
}

/** One UpdateEndpointGroup input per production region, in policy order; a region of a residency zone under its zone's accelerator. */
export function globalAcceleratorInputs(policy: Policy, shares: Shares, options: GlobalAcceleratorOptions = {}): GlobalAcceleratorInput[] {
  const arn = options.endpointGroupArn ?? placeholderEndpointGroupArn;
  const endpoint = options.endpointId ?? placeholderEndpointId;
  const regions = productionRegions(policy);
  for (const r of regions) checkShare(r.name, shares[r.name] ?? 0);
  serving(Object.fromEntries(regions.map((r) => [r.name, shares[r.name] ?? 0])), 'Global Accelerator');
  byZone(regions, shares, 'Global Accelerator');
  return regions.map((r) => {
    const share = shares[r.name] ?? 0;
    return {
      EndpointGroupArn: arn(r.name, r.residency),
      TrafficDialPercentage: trafficDial(share, r.userShare ?? 0),
      EndpointConfigurations: [{ EndpointId: endpoint(r.name), Weight: share > 0 ? GA_DEFAULT_WEIGHT : 0 }],
    };
  });
}

/** The `change-resource-record-sets --cli-input-json` document. */
export interface Route53Input {
  HostedZoneId: string;
  ChangeBatch: {
    Comment: string;
    Changes: Array<{
      Action: 'UPSERT';
      ResourceRecordSet: {
        Name: string;
        Type: string;
        SetIdentifier: string;
        Weight: number;
        TTL: number;
        ResourceRecords: Array<{ Value: string }>;
      };
    }>;
  };
}

export interface Route53Options {
  hostedZoneId?: string;
  /** The record name every unrestricted region's record shares (default: SERVICE.example.com, a placeholder). */
  name?: string;
  /** The record name of a residency zone's regions (default: SERVICE.ZONE.example.com in lower case, a placeholder). */
  zoneName?: (zone: string) => string;
  /** Default CNAME. */
  type?: string;
  /** Seconds; default 60. */
  ttl?: number;
  /** A region's record value (default: a placeholder host naming the region). */
  value?: (region: string) => string;
  comment?: string;
}

export const ROUTE53_MAX_WEIGHT = 255;
export const placeholderRecordValue = (region: string): string => `${region}.ENDPOINT.example.com`;

/**
 * One UPSERT of a weighted record per production region, in policy order. The regions of a
 * residency zone share a record name of their own and are weighted among themselves.
 */
export function route53Input(policy: Policy, shares: Shares, options: Route53Options = {}): Route53Input {
  const regions = productionRegions(policy);
  const own = Object.fromEntries(regions.map((r) => [r.name, shares[r.name] ?? 0]));
  serving(own, 'Route 53');
  const weights: Record<string, number> = {};
  for (const members of byZone(regions, own, 'Route 53').values()) {
    Object.assign(weights, integerWeights(Object.fromEntries(members.map((r) => [r.name, own[r.name] ?? 0])), ROUTE53_MAX_WEIGHT));
  }
  const service = policy.spec.service.name;
  const nameOf = (r: Region): string =>
    r.residency === undefined ? (options.name ?? `${service}.example.com`) : (options.zoneName ?? ((z: string) => `${service}.${z.toLowerCase()}.example.com`))(r.residency);
  const value = options.value ?? placeholderRecordValue;
  return {
    HostedZoneId: options.hostedZoneId ?? 'HOSTED-ZONE-ID',
    ChangeBatch: {
      Comment: options.comment ?? `meridian: weights of ${policy.spec.service.name} per region`,
      Changes: regions.map((r) => ({
        Action: 'UPSERT' as const,
        ResourceRecordSet: {
          Name: nameOf(r),
          Type: options.type ?? 'CNAME',
          SetIdentifier: r.name,
          Weight: weights[r.name] ?? 0,
          TTL: options.ttl ?? 60,
          ResourceRecords: [{ Value: value(r.name) }],
        },
      })),
    },
  };
}
