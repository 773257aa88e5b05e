/**
 * Builds the CLI once, so that no TypeScript is compiled when a command runs: bundles
 * src/cli/main.ts with esbuild into plain ES modules under node_modules/.cache/meridian/ (one chunk
 * per command, loaded when that command runs), copies the dashboard's assets beside them, and
 * writes build.json: every file that went into the build with its size, mtime and SHA-256, as it
 * was when esbuild read it. bin/meridian.js runs the build only while every one of those files is
 * unchanged; otherwise it runs the sources.
 *
 * The small pure-JavaScript packages every command loads (BUNDLED) go into the bundle, which
 * spares resolving and compiling their many files at each start; build.json then lists their
 * package.json, so reinstalling another version of one makes the build stale. Every other package
 * stays an import resolved in node_modules at run time: native ones (better-sqlite3), pg with its
 * optional native binding, and those only `serve` and `demo` load (hono, prom-client).
 *
 * `npm run build`; `npm ci` and `npm install` run it as `prepare`. Writes a new build beside the old
 * one and swaps it in, so a command starting meanwhile runs either the old build or the new one,
 * never half of each.
 */
import console from 'node:console';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { pid } from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where the build goes; bin/meridian.js reads it from here. Ignored by git, ESLint and vitest, and emptied by `npm ci`. */
const OUT = join(ROOT, 'node_modules', '.cache', 'meridian');
/** Read by the build besides the sources esbuild bundles: a change to one of them makes the build stale too. */
const ALSO_INPUTS = ['scripts/build.mjs', 'tsconfig.json'];
const ASSETS = 'src/api/dashboard/assets';
/** Packages bundled into the build: pure JavaScript, no native code, no file of their own read at run time. */
const BUNDLED = new Set(['commander', 'yaml', 'zod', 'luxon']);
/** CommonJS packages in the bundle (commander, yaml) require Node's built-ins: give each chunk a `require`. */
const REQUIRE = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** The package a bare import names: `hono/route` → hono, `@hono/node-server` → @hono/node-server. */
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

const posix = (path) => path.split(sep).join('/');
const NODE_MODULES = `${sep}node_modules${sep}`;

/**
 * A file modified less than this before the build read it is "racy" (as git calls it): on a file
 * system with coarse timestamps (a second, two on FAT) an edit just after the read could keep the
 * same mtime, so bin/meridian.js compares its hash whatever its mtime.
 */
const RACY_MS = 3000;

/**
 * A file as the build read it, for bin/meridian.js to compare with the file as it is now. The stat
 * comes before the read: a write between the two shows as a changed size or mtime, then hash.
 */
function fingerprint(file, st = statSync(file), body = readFileSync(file)) {
  return {
    path: posix(relative(ROOT, file)),
    size: st.size,
    mtimeMs: st.mtimeMs,
    ...(Date.now() - st.mtimeMs < RACY_MS ? { racy: true } : {}),
    sha256: createHash('sha256').update(body).digest('hex'),
  };
}

/** Every package not in BUNDLED stays an import. */
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('node:') || !BUNDLED.has(packageOf(args.path)) ? { path: args.path, external: true } : undefined));
  },
};

/**
 * Reads every source itself, to record it exactly as compiled: an edit during the build makes the
 * build stale, not wrong. A bundled package is recorded by its package.json (its version).
 */
function recordInputs(inputs) {
  const packages = new Set();
  return {
    name: 'record-inputs',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
        const inPackage = args.path.lastIndexOf(NODE_MODULES);
        if (inPackage !== -1) {
          const name = packageOf(posix(args.path.slice(inPackage + NODE_MODULES.length)));
          const manifest = join(args.path.slice(0, inPackage), 'node_modules', name, 'package.json');
          if (!packages.has(manifest)) inputs.push(fingerprint(manifest));
          packages.add(manifest);
          return undefined;
        }
        const st = statSync(args.path);
        const contents = readFileSync(args.path);
        inputs.push(fingerprint(args.path, st, contents));
        return { contents, loader: extname(args.path).endsWith('ts') ? 'ts' : 'js' };
      });
    },
  };
}

async function build() {
  const next = `${OUT}.next-${pid}`;
  rmSync(next, { recursive: true, force: true });
  const inputs = [];
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli/main.ts'],
    outdir: next,
    // One flat folder: whichever chunk holds src/api/dashboard/assets.ts finds ./assets/ beside it.
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: { js: REQUIRE },
    // Errors are named after their class (errors.ts); bundling must not rename classes.
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
    plugins: [externalPackages, recordInputs(inputs)],
  });
  cpSync(join(ROOT, ASSETS), join(next, 'assets'), { recursive: true });
  for (const name of readdirSync(join(ROOT, ASSETS), { recursive: true })) {
    const file = join(ROOT, ASSETS, name);
    const st = statSync(file);
    if (st.isFile()) inputs.push(fingerprint(file, st));
  }
  for (const path of ALSO_INPUTS) inputs.push(fingerprint(join(ROOT, path)));
  inputs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  writeFileSync(join(next, 'build.json'), `${JSON.stringify({ entry: 'main.js', inputs }, null, 1)}\n`);
  // Swap: the old build is moved aside first; a command starting in between finds none and runs the sources.
  mkdirSync(dirname(OUT), { recursive: true });
  const old = `${OUT}.old-${pid}`;
  try {
    renameSync(OUT, old);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  renameSync(next, OUT);
  rmSync(old, { recursive: true, force: true });
  return { out: OUT, inputs: inputs.length };
}

const { out, inputs } = await build();
console.log(`meridian: built the CLI into ${posix(relative(ROOT, out))} (${inputs} files read)`);
