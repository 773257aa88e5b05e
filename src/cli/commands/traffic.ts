/**
 * @module `meridian traffic plan POLICY --drain REGION [--json] [--output aws-global-accelerator|route53]`:
 * whether a region can be drained and where its users would go, for people planning capacity
 * (cli.md); a region of a residency zone only to the other regions of its zone. A refusal is a plan too (exit 0), except with --output, where there is no front-door
 * document to print (exit 1). The planning is planDrain (src/plan/headroom.ts) and the front-door
 * documents src/plan/front-door.ts; this file parses and formats.
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { loadPolicy } from '../../policy/load.ts';
import { productionRegions, round } from '../../policy/model.ts';
import { residencyZones } from '../../policy/residency.ts';
import type { Policy } from '../../policy/schema.ts';
import { globalAcceleratorInputs, route53Input, sharesAfterDrain } from '../../plan/front-door.ts';
import { capacityOf, planDrain, type DrainPlan } from '../../plan/headroom.ts';
import { EXIT } from '../exit-codes.ts';
import { table } from '../format/table.ts';
import { json, readInput, type Io } from '../io.ts';

export const FRONT_DOORS = ['aws-global-accelerator', 'route53'] as const;
export type FrontDoor = (typeof FRONT_DOORS)[number];

const percent = (share: number, digits = 2): string => `${round(share * 100, digits)}%`;

/** The `traffic plan --json` document; for a region of a residency zone, also the zone it is drained within (`residency`). */
export function drainJson(plan: DrainPlan, residency?: string): { allowed: boolean; reason: string | null; shifts: Array<{ to: string; share: number }>; residency?: string } {
  return { allowed: plan.allowed, reason: plan.reason, shifts: plan.shifts.map((s) => ({ to: s.to, share: s.share })), ...(residency === undefined ? {} : { residency }) };
}

/**
 * The plan as a person reads it: the verdict, then each production region before and after. With
 * residency zones, a ZONE column, and the verdict says the users stay inside the drained region's zone.
 */
export function drainText(policy: Policy, region: string, plan: DrainPlan): string {
  if (!plan.allowed) return `refused: ${plan.reason ?? 'no reason given'}\n`;
  const drained = productionRegions(policy).find((r) => r.name === region)!;
  const after = sharesAfterDrain(policy, region, plan);
  const zoned = residencyZones(policy).length > 0;
  const rows = productionRegions(policy).map((r) => {
    const capacity = capacityOf(r);
    const share = after[r.name] ?? 0;
    const row = [r.name, percent(r.userShare ?? 0), percent(share), percent(capacity), capacity > 0 ? percent(share / capacity, 1) : '-'];
    return zoned ? [row[0]!, r.residency ?? '-', ...row.slice(1)] : row;
  });
  const head = ['REGION', 'SHARE BEFORE', 'SHARE AFTER', 'CAPACITY', 'LOAD AFTER'];
  const zone = drained.residency === undefined ? '' : `${drained.residency}, `;
  const inside = drained.residency === undefined ? '' : `, its users stay inside ${drained.residency}`;
  return (
    `draining ${region} (${zone}${percent(drained.userShare ?? 0)} of users): allowed${inside}\n` +
    table(zoned ? [head[0]!, 'ZONE', ...head.slice(1)] : head, rows) +
    "shares and capacity in % of global users; load after in % of the region's capacity\n"
  );
}

/** The front-door document for an allowed drain. */
export function frontDoorJson(policy: Policy, region: string, plan: DrainPlan, door: FrontDoor): unknown {
  const shares = sharesAfterDrain(policy, region, plan);
  return door === 'route53'
    ? route53Input(policy, shares, { comment: `meridian: drain ${region} from ${policy.spec.service.name}` })
    : globalAcceleratorInputs(policy, shares);
}

export function registerTraffic(program: Command, io: Io, done: (code: number) => void): void {
  const traffic = program.command('traffic').description('global traffic: plan draining a region');
  traffic
    .command('plan')
    .description('whether a region can be drained, and where its users would go')
    .argument('<policy>', 'the policy YAML file')
    .requiredOption('--drain <region>', 'the production region to drain')
    .option('--json', 'print { allowed, reason, shifts } as JSON')
    .addOption(new Option('--output <front-door>', 'print the input of the front door\'s AWS CLI command instead').choices(FRONT_DOORS))
    .action((file: string, opts: { drain: string; json?: boolean; output?: FrontDoor }) => {
      if (opts.json && opts.output) throw new UsageError('--json and --output both choose the output: give one of them');
      const { policy } = loadPolicy(readInput(file), file);
      const plan = planDrain(policy, opts.drain);
      if (opts.output) {
        if (!plan.allowed) {
          io.err(`refused: ${plan.reason ?? 'no reason given'}\n`);
          return done(EXIT.invalid);
        }
        json(io, frontDoorJson(policy, opts.drain, plan, opts.output));
      } else if (opts.json) {
        json(io, drainJson(plan, productionRegions(policy).find((r) => r.name === opts.drain)?.residency));
      } else {
        io.out(drainText(policy, opts.drain, plan));
      }
      done(EXIT.ok);
    });
}
