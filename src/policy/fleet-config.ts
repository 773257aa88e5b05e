/**
 * @module What a configuration directory holds once loaded (fleet.md "Files"): every service's
 * policy, resolved against its fleet (the fleet's regions and windows filled in), and the settings
 * a fleet gives all its services at once. A single policy with `spec.regions` is a configuration of
 * one service and no fleet.
 */
import type { Policy } from './schema.ts';

/** One service's policy as the runtime uses it. */
export interface ServicePolicy {
  service: string;
  /** The policy with its fleet's regions and windows filled in. */
  policy: Policy;
  /** The text a release's policy digest covers: the policy file's, and its fleet's. */
  text: string;
  /** The policy's file, as messages name it. */
  file: string;
  /** The fleet it names; null for a policy with its own `spec.regions`. */
  fleet: string | null;
}

/** What a fleet sets for all its services together. */
export interface FleetSettings {
  name: string;
  file: string;
  /** At most this many releases deploying or baking in one region at once; null: no limit. */
  perRegion: number | null;
}

export interface FleetConfig {
  services: ServicePolicy[];
  fleets: FleetSettings[];
}
