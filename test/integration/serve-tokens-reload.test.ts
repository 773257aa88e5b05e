/** @module A real `meridian serve` process picks up changes to its tokens file without a restart:
 * a token made by the real `meridian token create` works at once, a broken edit keeps the tokens
 * loaded before working and is logged in one line naming the file (and the field), a fixed file
 * is taken again, and nothing of the file's contents (the hashes) ever reaches the log.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MERIDIAN_BIN, killAll, startServe, type ServeProcess } from './support/serve-process.ts';

let dir: string;
let tokensFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meridian-tokens-reload-'));
  tokensFile = join(dir, 'tokens.json');
});

afterEach(async () => {
  await killAll();
});

afterAll(async () => {
  await killAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Run the real CLI: `node bin/meridian.js ARGS`, bounded to 20 s. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MERIDIAN_BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`meridian ${args.join(' ')} did not finish within 20 s; stderr:\n${stderr}`));
    }, 20_000);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

async function createToken(user: string, role: string): Promise<string> {
  const r = await cli(['token', 'create', '--user', user, '--role', role, '--tokens', tokensFile]);
  expect(r.code, r.stderr).toBe(0);
  const token = r.stdout.trim();
  expect(token).toMatch(/^mrd_/);
  return token;
}

async function statusAs(server: ServeProcess, token: string): Promise<number> {
  const res = await fetch(`${server.url}/api/v1/releases`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
  await res.arrayBuffer();
  return res.status;
}

const occurrences = (text: string, pattern: RegExp): number => text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;

describe('meridian serve and its tokens file', () => {
  it('takes tokens created while it runs without a restart, and keeps the old tokens through a broken edit', async () => {
    const olga = await createToken('olga', 'operator');
    const server = await startServe({ args: ['--tokens', tokensFile, '--port', '0', '--db', join(dir, 'meridian.db'), '--work-dir', join(dir, 'work')], cwd: dir });
    await server.waitForOutput(new RegExp(`tokens: 1 in ${escape(tokensFile)}`));
    expect(await statusAs(server, olga)).toBe(200);

    // A token made by the real CLI while the server runs works at once, with no restart.
    const nina = await createToken('nina', 'viewer');
    expect(await statusAs(server, nina)).toBe(200);
    expect(await statusAs(server, olga)).toBe(200);
    // The change is noticed by watching the directory too, without any request to prompt it.
    const vera = await createToken('vera', 'viewer');
    await server.waitForOutput(new RegExp(`tokens: reloaded ${escape(tokensFile)}: 3 token\\(s\\)`));
    expect(await statusAs(server, vera)).toBe(200);

    const good = await readFile(tokensFile, 'utf8');
    const hashes = [...good.matchAll(/"hash": "([0-9a-f]{64})"/g)].map((m) => m[1]!);
    expect(hashes).toHaveLength(3);

    // A broken edit: the quotes around a hash lost, so the text is not JSON.
    await writeFile(tokensFile, good.replace(`"${hashes[1]}"`, hashes[1]!));
    for (let i = 0; i < 3; i++) {
      expect(await statusAs(server, olga)).toBe(200);
      expect(await statusAs(server, nina)).toBe(200);
    }
    await server.waitForOutput(new RegExp(`tokens: ${escape(tokensFile)}: not valid JSON.*; keeping the 3 token\\(s\\) loaded before`));

    // Another broken edit, one that is JSON: the line names the field.
    await writeFile(tokensFile, good.replace('"role": "viewer"', '"role": "root"'));
    for (let i = 0; i < 3; i++) expect(await statusAs(server, vera)).toBe(200);
    const fieldLine = new RegExp(`tokens: ${escape(tokensFile)}: tokens\\[1\\]\\.role: "root" is not one of viewer \\| operator \\| admin; keeping the 3 token\\(s\\) loaded before`);
    await server.waitForOutput(fieldLine);
    expect(occurrences(server.output(), fieldLine)).toBe(1);

    // Fixed again, without nina: her token is refused from now on, the others work.
    const fixed = JSON.parse(good) as { tokens: { user: string }[] };
    await writeFile(tokensFile, JSON.stringify({ tokens: fixed.tokens.filter((t) => t.user !== 'nina') }));
    expect(await statusAs(server, nina)).toBe(401);
    expect(await statusAs(server, olga)).toBe(200);
    await server.waitForOutput(new RegExp(`tokens: reloaded ${escape(tokensFile)}: 2 token\\(s\\)`));

    // Still the same process, and no hash, nor any piece of one, was ever logged.
    expect(server.output()).not.toMatch(/shutting down|Error:/);
    for (const h of hashes) for (let i = 0; i + 16 <= h.length; i += 8) expect(server.output()).not.toContain(h.slice(i, i + 16));
    for (const t of [olga, nina, vera]) expect(server.output()).not.toContain(t);
    const exit = await server.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
