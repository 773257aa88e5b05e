/**
 * @module Detection benchmark (npm run bench:detection [-- --seeds S] [--workers W] [--after M]): what the gates
 * of examples/webapp.yaml and examples/webapp-compare.yaml catch on the simulated fleet, as one
 * Markdown table per policy, over S seeds per cell (default 20, seeds 1..S). Never part of npm test.
 *
 * Cells: false halts of the good release at noise 0.1, 0.3 and 0.5; and, at noise 0.1, recall,
 * detection minutes after onset, the ring that caught it and the user-minutes exposed for a set of
 * faults of the new version. Scenarios are built from examples/scenarios/ring-2-fails.yaml (its
 * start, release, baseline and approvals) with the cell's faults and noise, through the scenario
 * loader. error-rate and latency faults act in every production region, M minutes (default 30,
 * the template's delay) after the version lands there; the other kinds act where their kind says.
 * A later onset shows what a comparison gate does once it has learnt its noise for longer: with
 * the default warmup of 10 minutes, the default onset comes 20 minutes into its data.
 *
 * - recall: runs whose first failed ring comes before the last ring, out of S.
 * - detection minutes (median, p90 by nearest rank): first ring.failed minus fault onset, over the
 *   runs that detected the fault in any ring.
 * - caught by: the ring most often failing first (ties: the earlier ring), with its count.
 * - user-minutes: median over all S runs of the exposure accounting (scenario.md).
 *
 * Cells run in W worker threads (default 2: the machine has 2 cores); every run is a pure function
 * of (policy, scenario, seed), so the tables do not depend on W.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { parseDocument } from 'yaml';
import { loadPolicy } from '../src/policy/load.ts';
import { productionRegions } from '../src/policy/model.ts';
import type { Policy } from '../src/policy/schema.ts';
import { runSimulation } from '../src/runtime/simulate.ts';
import { loadScenario, type Scenario } from '../src/sim/scenario.ts';

const POLICIES = ['examples/webapp.yaml', 'examples/webapp-compare.yaml'];
const TEMPLATE = 'examples/scenarios/ring-2-fails.yaml';
const BASE_ERROR_RATE = 0.002;

/** A fault as scenario YAML writes it; `regions: production` is replaced by the production regions. */
type FaultSpec = Record<string, unknown>;

interface Cell {
  label: string;
  /** A good release: count false halts instead of recall. */
  good: boolean;
  noise: number;
  faults: FaultSpec[];
}

const production = 'production';
/** The cells, with error-rate and latency faults `after` minutes after the version lands. */
const cells = (after: number): Cell[] => [
  ...[0.1, 0.3, 0.5].map((noise) => ({ label: `good release, noise ${noise}`, good: true, noise, faults: [] })),
  ...[2, 3, 25].map((k) => ({
    label: `error rate ${k}× baseline (${BASE_ERROR_RATE * k})`, good: false, noise: 0.1,
    faults: [{ kind: 'error-rate', regions: production, value: Math.round(BASE_ERROR_RATE * k * 1e6) / 1e6, after: `${after}m` }],
  })),
  ...[1.3, 1.6, 2].map((factor) => ({ label: `p99 latency ×${factor}`, good: false, noise: 0.1, faults: [{ kind: 'latency', regions: production, factor, after: `${after}m` }] })),
  ...[5, 15].map((m) => ({
    label: `daily spike 00:00 UTC, ${m} min at 15%`, good: false, noise: 0.1,
    faults: [{ kind: 'daily-spike', at: '00:00', timezone: 'UTC', duration: `${m}m`, errorRate: 0.15 }],
  })),
  ...[0.01, 0.03].map((memoryPerHour) => ({ label: `leak ${memoryPerHour}/h`, good: false, noise: 0.1, faults: [{ kind: 'leak', memoryPerHour }] })),
  { label: 'scale-dependent (userShare ≥ 0.3), 5% errors', good: false, noise: 0.1, faults: [{ kind: 'scale-dependent', minUserShare: 0.3, errorRate: 0.05 }] },
];

/** The template scenario with the cell's name, noise and faults, loaded (and so checked) as YAML. */
function cellScenario(policy: Policy, cell: Cell, index: number): Scenario {
  const doc = parseDocument(readFileSync(TEMPLATE, 'utf8'));
  const regions = productionRegions(policy).map((r) => r.name);
  doc.setIn(['metadata', 'name'], `detection-${index}`);
  doc.setIn(['spec', 'baseline', 'noise'], cell.noise);
  doc.setIn(['spec', 'faults'], doc.createNode(cell.faults.map((f) => (f.regions === production ? { ...f, regions } : f))));
  return loadScenario(doc.toString(), `${TEMPLATE} (${cell.label})`, policy).scenario;
}

/** What one run tells the tables. */
interface RunResult {
  outcome: string;
  /** Index of the first failed ring, null when none failed. */
  ring: number | null;
  minutes: number | null;
  userMinutes: number;
}

async function runCell(policyFile: string, cellIndex: number, seeds: number, after: number): Promise<RunResult[]> {
  const { policy } = loadPolicy(readFileSync(policyFile, 'utf8'), policyFile);
  const scenario = cellScenario(policy, cells(after)[cellIndex]!, cellIndex);
  const rings = policy.spec.rings.map((r) => r.name);
  const out: RunResult[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const run = await runSimulation(policy, scenario, { seed });
    const d = run.state.detection;
    out.push({
      outcome: run.state.phase,
      ring: d ? rings.indexOf(d.ring) : null,
      minutes: d && run.faultOnset !== null ? (d.at - run.faultOnset) / 60_000 : null,
      userMinutes: run.userMinutes,
    });
  }
  return out;
}

interface Task {
  policyFile: string;
  cell: number;
  seeds: number;
  after: number;
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) {
    console.error(`${name} takes a whole number of at least 1 (got ${v === undefined ? 'nothing' : `"${v}"`})`);
    process.exit(2);
  }
  return Number(v);
}

function quantile(xs: number[], q: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)]!;
}

const fmt = (x: number | null, digits = 0): string => (x === null ? '–' : x.toFixed(digits));

function row(policy: Policy, cell: Cell, runs: RunResult[]): string[] {
  const rings = policy.spec.rings.map((r) => r.name);
  const last = rings.length - 1;
  const s = runs.length;
  const firstFailed = runs.filter((r) => r.ring !== null);
  const counts = new Map<number, number>();
  for (const r of firstFailed) counts.set(r.ring!, (counts.get(r.ring!) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
  const caught = top ? `${rings[top[0]]} (${top[1]}/${s})` : '–';
  if (cell.good) {
    const halted = runs.filter((r) => r.outcome !== 'completed');
    const why = [...new Set(halted.map((r) => r.outcome))].map((o) => `${halted.filter((r) => r.outcome === o).length} ${o}`).join(', ');
    return [cell.label, `false halts ${halted.length}/${s}${why ? ` (${why})` : ''}`, '–', '–', caught, '–'];
  }
  const recalled = runs.filter((r) => r.ring !== null && r.ring < last).length;
  const minutes = firstFailed.map((r) => r.minutes).filter((m): m is number => m !== null);
  return [
    cell.label,
    `recall ${recalled}/${s}`,
    fmt(quantile(minutes, 0.5)),
    fmt(quantile(minutes, 0.9)),
    caught,
    fmt(quantile(runs.map((r) => r.userMinutes), 0.5), 1),
  ];
}

function markdown(headers: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * A worker thread starts without the TypeScript loader this file runs under (Node 20), so it
 * registers tsx first and then imports this file, which sees it is not the main thread.
 */
const WORKER_BOOT = `
  import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })
    .catch((e) => { console.error(e); process.exit(1); });
`;

async function mainThread(): Promise<void> {
  const seeds = flag('--seeds', 20);
  const workers = flag('--workers', 2);
  const after = flag('--after', 30);
  const CELLS = cells(after);
  const t0 = performance.now();
  const tasks: Task[] = POLICIES.flatMap((policyFile) => CELLS.map((_, cell) => ({ policyFile, cell, seeds, after })));
  const results = new Map<string, RunResult[]>();
  const key = (t: Task): string => `${t.policyFile}#${t.cell}`;
  let next = 0;
  let done = 0;
  // `workers` long-lived threads, each taking the next cell when it finishes one.
  const lane = async (): Promise<void> => {
    const w = new Worker(WORKER_BOOT, { eval: true });
    try {
      while (next < tasks.length) {
        const task = tasks[next++]!;
        results.set(key(task), await new Promise<RunResult[]>((resolve, reject) => {
          const onError = (e: Error): void => reject(e);
          w.once('error', onError);
          w.once('message', (m: RunResult[]) => { w.off('error', onError); resolve(m); });
          w.postMessage(task);
        }));
        done++;
        if (process.stderr.isTTY) process.stderr.write(`\r${done}/${tasks.length} cells`);
      }
    } finally {
      await w.terminate();
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, tasks.length) }, lane));
  const seconds = (performance.now() - t0) / 1000;
  if (process.stderr.isTTY) process.stderr.write('\n');

  const out: string[] = [];
  for (const policyFile of POLICIES) {
    const { policy } = loadPolicy(readFileSync(policyFile, 'utf8'), policyFile);
    out.push(`### ${policyFile} (${seeds} seeds per cell${after === 30 ? '' : `; error-rate and latency faults ${after} minutes after the version lands`})`, '');
    out.push(markdown(
      ['scenario', 'result', 'median detect (min)', 'p90 detect (min)', 'caught by (most common)', 'median user-min'],
      CELLS.map((cell, i) => row(policy, cell, results.get(key({ policyFile, cell: i, seeds, after }))!)),
    ), '');
  }
  out.push(`${tasks.length} cells × ${seeds} seeds in ${seconds.toFixed(1)} s with ${workers} worker${workers === 1 ? '' : 's'}.`);
  console.log(out.join('\n'));
}

if (!isMainThread) {
  parentPort!.on('message', (task: Task) => {
    void runCell(task.policyFile, task.cell, task.seeds, task.after).then((r) => parentPort!.postMessage(r));
  });
} else {
  await mainThread();
}
