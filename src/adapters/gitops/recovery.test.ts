/** @module Tests of reading what a dead git left in `.git`: lock files, an unreadable index or HEAD, and whose clone it is. */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cloneDamage, isCloneOf, lockFiles } from './recovery.ts';
import { removeTempDirs, tempDir } from './testing.ts';

afterAll(removeTempDirs);

/** A `.git` as a clone has it: HEAD, objects, refs, config with the remote's URL; `index` as given. */
async function fakeClone(index?: Buffer, config = '[remote "origin"]\n\turl = /srv/gitops.git\n'): Promise<string> {
  const dir = await tempDir('meridian-recovery-');
  await mkdir(join(dir, '.git', 'objects'), { recursive: true });
  await mkdir(join(dir, '.git', 'refs', 'heads'), { recursive: true });
  await writeFile(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  await writeFile(join(dir, '.git', 'config'), config);
  if (index) await writeFile(join(dir, '.git', 'index'), index);
  return dir;
}

/** An index with no entries: header, then the checksum `hash` gives (or zeros). */
function emptyIndex(hash: 'sha1' | 'sha256' | 'none'): Buffer {
  const header = Buffer.from([0x44, 0x49, 0x52, 0x43, 0, 0, 0, 2, 0, 0, 0, 0]);
  const trailer = hash === 'none' ? Buffer.alloc(20) : createHash(hash).update(header).digest();
  return Buffer.concat([header, trailer]);
}

describe('lockFiles', () => {
  it('finds locks in .git, under refs at any depth and in the object metadata, and nothing else', async () => {
    const dir = await fakeClone();
    await mkdir(join(dir, '.git', 'refs', 'remotes', 'origin'), { recursive: true });
    await mkdir(join(dir, '.git', 'objects', 'info'), { recursive: true });
    for (const f of ['index.lock', 'HEAD.lock', 'refs/remotes/origin/main.lock', 'objects/info/commit-graph.lock', 'refs/heads/main', 'description']) {
      await writeFile(join(dir, '.git', f), '');
    }
    expect(await lockFiles(join(dir, '.git'))).toEqual(['HEAD.lock', 'index.lock', 'objects/info/commit-graph.lock', 'refs/remotes/origin/main.lock']);
  });
});

describe('cloneDamage', () => {
  it('accepts a missing index, a SHA-1 or SHA-256 checksum and an index written without one', async () => {
    expect(await cloneDamage(await fakeClone())).toBeNull();
    expect(await cloneDamage(await fakeClone(emptyIndex('sha1')))).toBeNull();
    expect(await cloneDamage(await fakeClone(emptyIndex('sha256'), '[extensions]\n\tobjectformat = sha256\n'))).toBeNull();
    expect(await cloneDamage(await fakeClone(emptyIndex('none')))).toBeNull();
  });

  it('names an empty index, a short one and a HEAD that is not a ref', async () => {
    expect(await cloneDamage(await fakeClone(Buffer.alloc(0)))).toBe('.git/index is empty');
    expect(await cloneDamage(await fakeClone(Buffer.from('DIRC')))).toBe('.git/index does not start like a git index');
    const dir = await fakeClone();
    await writeFile(join(dir, '.git', 'HEAD'), '');
    expect(await cloneDamage(dir)).toBe('.git/HEAD is not a ref or a commit id');
  });
});

describe('isCloneOf', () => {
  it('is true only when a remote of .git/config has exactly that URL', async () => {
    const dir = await fakeClone();
    expect(await isCloneOf(dir, '/srv/gitops.git')).toBe(true);
    expect(await isCloneOf(dir, '/srv/gitops')).toBe(false);
  });
});
