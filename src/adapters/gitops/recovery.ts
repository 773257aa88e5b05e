/**
 * @module What a git that died can leave in the adapter's working clone, found by reading `.git`
 * (no git is run): lock files it held (`index.lock`, `HEAD.lock`, a ref's lock), and the damage that
 * stops every later git command (an empty or corrupt index, a missing HEAD). The caller removes
 * the locks and clones a damaged clone again; whether a directory is a clone of the repository at all
 * is told by its `.git/config`, so nothing else is ever deleted.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Where git takes locks: `.git` itself (index, HEAD, config, packed-refs, ...), the refs, and the object metadata. */
const LOCK_DIRS: Array<{ dir: string; recursive: boolean }> = [
  { dir: '', recursive: false },
  { dir: 'refs', recursive: true },
  { dir: join('objects', 'info'), recursive: true },
  { dir: join('objects', 'pack'), recursive: false },
];

async function locksIn(root: string, dir: string, recursive: boolean): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const e of entries) {
    const rel = dir === '' ? e.name : join(dir, e.name);
    if (e.isFile() && e.name.endsWith('.lock')) found.push(rel);
    else if (e.isDirectory() && recursive) found.push(...(await locksIn(root, rel, true)));
  }
  return found;
}

/** Lock files in `gitDir`, relative to it (`index.lock`, `refs/heads/main.lock`), sorted. */
export async function lockFiles(gitDir: string): Promise<string[]> {
  const all = await Promise.all(LOCK_DIRS.map((d) => locksIn(gitDir, d.dir, d.recursive)));
  return all.flat().map((p) => p.split('\\').join('/')).sort();
}

const HEAD = /^(ref: refs\/\S+|[0-9a-f]{40}|[0-9a-f]{64})\s*$/;

/** The hash the index's trailer uses: SHA-256 in a repository made with that object format, else SHA-1. */
async function objectFormat(gitDir: string): Promise<'sha1' | 'sha256'> {
  const config = await readFile(join(gitDir, 'config'), 'utf8').catch(() => '');
  return /^\s*objectformat\s*=\s*sha256\s*$/im.test(config) ? 'sha256' : 'sha1';
}

/** Why the index cannot be read, or null. A missing index is fine: git reads it as empty. */
async function indexDamage(gitDir: string): Promise<string | null> {
  const data = await readFile(join(gitDir, 'index')).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Buffer.alloc(0)));
  if (data === null) return null;
  if (data.length === 0) return '.git/index is empty';
  const algorithm = await objectFormat(gitDir);
  const hashLength = algorithm === 'sha256' ? 32 : 20;
  const version = data.length >= 8 ? data.readUInt32BE(4) : 0;
  if (data.length < 12 + hashLength || data.subarray(0, 4).toString('latin1') !== 'DIRC' || version < 2 || version > 4) {
    return '.git/index does not start like a git index';
  }
  const trailer = data.subarray(data.length - hashLength);
  if (trailer.every((b) => b === 0)) return null; // index.skipHash: git wrote no checksum
  const sum = createHash(algorithm).update(data.subarray(0, data.length - hashLength)).digest();
  return sum.equals(trailer) ? null : '.git/index does not match its checksum';
}

/** What makes the clone at `dir` unusable (`.git/index is empty`), or null when git can work in it. */
export async function cloneDamage(dir: string): Promise<string | null> {
  const gitDir = join(dir, '.git');
  const kind = await stat(gitDir).catch(() => null);
  if (!kind?.isDirectory()) return '.git is not a directory';
  const head = await readFile(join(gitDir, 'HEAD'), 'utf8').catch(() => null);
  if (head === null) return '.git/HEAD is missing';
  if (!HEAD.test(head)) return '.git/HEAD is not a ref or a commit id';
  for (const sub of ['objects', 'refs']) {
    if (!(await stat(join(gitDir, sub)).catch(() => null))?.isDirectory()) return `.git/${sub} is missing`;
  }
  return indexDamage(gitDir);
}

/** Whether `.git/config` of `dir` names `url` as a remote's URL: only then is the clone ours to delete. */
export async function isCloneOf(dir: string, url: string): Promise<boolean> {
  const config = await readFile(join(dir, '.git', 'config'), 'utf8').catch(() => '');
  return config.split(/\r?\n/).some((line) => {
    const m = /^\s*url\s*=\s*(.*?)\s*$/i.exec(line);
    return m !== null && (m[1] ?? '').replace(/^"(.*)"$/, '$1') === url;
  });
}
