/**
 * @module CLI start-up benchmark (npm run bench:cli [-- --runs N]): the wall time of a whole
 * `node bin/meridian.js …` process, as a shell sees it, for `--help`, `validate
 * examples/webapp.yaml` and `lint examples/webapp.yaml`, from the build (what bin/meridian.js runs
 * after `npm ci`) and from source through tsx (MERIDIAN_FROM_SOURCE=1, what it runs after an edit
 * until `npm run build`). Also the floor: `node -e 0`, and `npx meridian --help`, which adds npm's
 * own start-up. Prints one Markdown table of medians over N runs (default 10) after one warm-up
 * run each; the runs of all rows are interleaved, so that load from elsewhere on the machine falls
 * on every row alike. Rebuilds first, so that the build rows time a current build. Never part of
 * npm test.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const at = process.argv.indexOf('--runs');
const RUNS = at === -1 ? 10 : Number(process.argv[at + 1]);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs "${process.argv[at + 1]}" is not a whole number above 0`);

interface Row {
  label: string;
  command: string;
  args: string[];
  fromSource?: boolean;
}

const COMMANDS: Array<[string, string[]]> = [
  ['--help', ['--help']],
  ['validate examples/webapp.yaml', ['validate', 'examples/webapp.yaml']],
  ['lint examples/webapp.yaml', ['lint', 'examples/webapp.yaml']],
];
const ROWS: Row[] = [
  { label: '`node -e 0` (Node start, the floor)', command: process.execPath, args: ['-e', '0'] },
  ...COMMANDS.flatMap(([label, args]): Row[] => [
    { label: `\`${label}\`, build`, command: process.execPath, args: ['bin/meridian.js', ...args] },
    { label: `\`${label}\`, source (tsx)`, command: process.execPath, args: ['bin/meridian.js', ...args], fromSource: true },
  ]),
  { label: '`npx meridian --help`, build', command: 'npx', args: ['meridian', '--help'] },
];

function once(row: Row): number {
  const env = { ...process.env, MERIDIAN_FROM_SOURCE: row.fromSource ? '1' : '0' };
  const start = performance.now();
  const r = spawnSync(row.command, row.args, { cwd: ROOT, env, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${row.label}: exit ${r.status}\n${r.stderr}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stderr}`);
for (const row of ROWS) once(row);
const times = new Map<Row, number[]>(ROWS.map((r) => [r, []]));
for (let i = 0; i < RUNS; i++) for (const row of ROWS) times.get(row)!.push(once(row));

console.log(`CLI start-up, median wall time of ${RUNS} runs (Node ${process.version})\n`);
console.log('| command | median ms | min ms | max ms |');
console.log('|---|--:|--:|--:|');
for (const row of ROWS) {
  const t = times.get(row)!;
  console.log(`| ${row.label} | ${median(t).toFixed(0)} | ${Math.min(...t).toFixed(0)} | ${Math.max(...t).toFixed(0)} |`);
}
