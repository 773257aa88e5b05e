#!/usr/bin/env node
/**
 * The `meridian` command. It runs one of two copies of the same CLI, chosen on every run:
 *
 * - The build, node_modules/.cache/meridian/main.js: plain JavaScript bundled from src/ by
 *   scripts/build.mjs (`npm run build`; `npm ci` and `npm install` run it as `prepare`). Used when
 *   its build.json lists every file it was made from as unchanged: the same size and either the
 *   same mtime or, when the mtime moved (a checkout, a touch) or the file was written just before
 *   the build read it ("racy"), the same SHA-256. Nothing is compiled at run time, so a command
 *   starts in the time its own modules take to load.
 * - The TypeScript sources, src/cli/main.ts through tsx, which compiles them as they load (slower
 *   to start). Used when there is no build (`npm ci --ignore-scripts`, a failed build), when any
 *   file the build was made from has changed or is gone since (so an edit in src/ is never run
 *   from a stale build: it runs from source until the next `npm run build`), and when
 *   MERIDIAN_FROM_SOURCE=1.
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
const build = new URL('node_modules/.cache/meridian/', root);

/** The build's entry module, or null when there is none or any file it was made from has changed. */
async function currentBuild() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(new URL('build.json', build), 'utf8'));
  } catch {
    return null;
  }
  let createHash;
  for (const input of stamp.inputs) {
    const file = fileURLToPath(new URL(input.path, root));
    const st = statSync(file, { throwIfNoEntry: false });
    if (st === undefined || st.size !== input.size) return null;
    if (st.mtimeMs === input.mtimeMs && !input.racy) continue;
    createHash ??= (await import('node:crypto')).createHash;
    if (createHash('sha256').update(readFileSync(file)).digest('hex') !== input.sha256) return null;
  }
  return new URL(stamp.entry, build);
}

const entry = process.env.MERIDIAN_FROM_SOURCE === '1' ? null : await currentBuild();
let main;
if (entry !== null) {
  // Stacks (printed with --debug) name the TypeScript files and lines, through the build's source maps.
  if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
  ({ main } = await import(entry.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
