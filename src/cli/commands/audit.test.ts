/** @module Tests of `meridian audit verify`, run in-process on real databases tampered with raw SQL. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../runtime/open-store.ts';
import { EXIT, reportError } from '../exit-codes.ts';
import { memoryIo } from '../io.ts';
import { registerAudit } from './audit.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
let n = 0;

/** A database whose audit log has `count` entries. */
async function database(count: number): Promise<string> {
  const file = join(dir, `audit-${++n}.db`);
  const { store, close } = await openStore({ kind: 'sqlite', file });
  for (let i = 1; i <= count; i++) {
    await store.appendAudit({ at: T0 + i * 60_000, actor: 'alice', action: 'release.approve', target: 'webapp-v2.1.0-1a2b3c4d', outcome: 'ok', detail: `ring-${i}` });
  }
  await close();
  return file;
}

function sql(file: string, statements: string): void {
  const raw = new Database(file);
  raw.exec(statements);
  raw.close();
}

/** Run `meridian audit ...` as main.ts does: errors mapped to exit codes in one place. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo();
  let code: number = EXIT.ok;
  const program = new Command('meridian').exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerAudit(program, io, (c) => { code = c; });
  try {
    await program.parseAsync(['audit', ...args], { from: 'user' });
  } catch (e) {
    code = reportError(io, e, { debug: false, json: args.includes('--json') });
  }
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('meridian audit verify', () => {
  it('says the log is intact and how many entries it has', async () => {
    const file = await database(15);
    expect(await run('verify', '--db', file)).toEqual({ code: EXIT.ok, stdout: '', stderr: 'audit log intact: 15 entries\n' });
  });

  it('counts an empty log and a single entry in words that read right', async () => {
    expect((await run('verify', '--db', await database(0))).stderr).toBe('audit log intact: 0 entries\n');
    expect((await run('verify', '--db', await database(1))).stderr).toBe('audit log intact: 1 entry\n');
  });

  it('finds an entry changed with a raw SQL UPDATE, and exits 1', async () => {
    const file = await database(15);
    sql(file, "UPDATE audit SET detail = 'ring-1' WHERE seq = 12");
    expect(await run('verify', '--db', file)).toEqual({
      code: EXIT.invalid,
      stdout: '',
      stderr: 'audit log broken at entry 12: hash does not match its contents (changed after it was written)\n',
    });
  });

  it('finds an actor rewritten even when the hash column was changed too', async () => {
    const file = await database(15);
    sql(file, "UPDATE audit SET actor = 'mallory', hash = (SELECT hash FROM audit WHERE seq = 3) WHERE seq = 4");
    expect((await run('verify', '--db', file)).stderr).toBe('audit log broken at entry 4: hash does not match its contents (changed after it was written)\n');
  });

  it('finds an entry removed with a raw SQL DELETE', async () => {
    const file = await database(15);
    sql(file, 'DELETE FROM audit WHERE seq = 12');
    expect(await run('verify', '--db', file)).toEqual({ code: EXIT.invalid, stdout: '', stderr: 'audit log broken at entry 12: missing (deleted): entry 13 follows entry 11\n' });
  });

  it('finds entries swapped by renumbering them', async () => {
    const file = await database(6);
    sql(file, 'UPDATE audit SET seq = -4 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = 5; UPDATE audit SET seq = 5 WHERE seq = -4;');
    expect((await run('verify', '--db', file)).stderr).toBe('audit log broken at entry 4: hash does not match its contents (changed after it was written)\n');
  });

  it('prints one JSON document with --json, intact or broken', async () => {
    const file = await database(3);
    const intact = await run('verify', '--db', file, '--json');
    expect(intact.code).toBe(EXIT.ok);
    const doc = JSON.parse(intact.stdout) as { intact: boolean; entries: number; lastHash: string };
    expect(doc).toEqual({ intact: true, entries: 3, lastHash: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
    expect(intact.stderr).toBe('');

    sql(file, 'DELETE FROM audit WHERE seq = 2');
    const broken = await run('verify', '--db', file, '--json');
    expect(broken.code).toBe(EXIT.invalid);
    expect(JSON.parse(broken.stdout)).toEqual({ intact: false, entries: 2, brokenAt: 2, problem: 'missing (deleted): entry 3 follows entry 1' });
  });

  it('does not change the database it checks', async () => {
    const file = await database(2);
    await run('verify', '--db', file);
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM audit').pluck().get()).toBe(2);
    raw.close();
  });

  it('is a usage error (exit 2) when the file is missing, is a directory or is not given', async () => {
    const missing = join(dir, 'nope.db');
    expect(await run('verify', '--db', missing)).toEqual({ code: EXIT.usage, stdout: '', stderr: `meridian: ${missing}: no such file\n` });
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    expect((await run('verify', '--db', folder)).stderr).toBe(`meridian: ${folder}: is a directory, not a file\n`);
    expect(await run('verify')).toEqual({ code: EXIT.usage, stdout: '', stderr: 'meridian: audit verify needs --db FILE (the database meridian serve writes)\n' });
  });

  it('is a usage error (exit 2) for a database from a newer meridian, naming both versions', async () => {
    const file = await database(1);
    const raw = new Database(file, { readonly: true });
    // The schema version this meridian writes.
    const current = raw.pragma('user_version', { simple: true }) as number;
    raw.close();
    sql(file, `PRAGMA user_version = ${current + 1}`);
    expect(await run('verify', '--db', file)).toEqual({
      code: EXIT.usage,
      stdout: '',
      stderr: `meridian: ${file}: the database has schema version ${current + 1}, newer than this version of meridian knows (${current}); upgrade meridian to open it\n`,
    });
  });
});
