/**
 * @module Integration tests of credentials with real git over HTTP: the token from MERIDIAN_GIT_TOKEN
 * reaches the server through the credential helper, and no error message or log line ever shows
 * it, nor `user:pass@` from a repository URL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AdapterError } from '../../src/errors.ts';
import { GitOpsDelivery, initDemoRepo } from '../../src/adapters/gitops/index.ts';
import { git, ringOf, removeTempDirs, tempDir, testEnv, webappPolicy } from '../../src/adapters/gitops/testing.ts';

afterAll(removeTempDirs);

const TOKEN = 'ghp_Sup3rSecretT0ken_do_not_print';
const RELEASE = { id: 'webapp-v2.1.0', version: 'v2.1.0', revision: 'release/v2.1.0' };

/** An HTTP git server that refuses every request with 401 and remembers the Authorization headers. */
async function refusingServer(): Promise<{ url: string; seen: string[]; server: Server }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    if (req.headers.authorization) seen.push(req.headers.authorization);
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="gitops"' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

describe('credentials', () => {
  it('gives the token to git through the credential helper and never shows it when the push fails', async () => {
    const dir = await tempDir();
    const env = testEnv(dir, { MERIDIAN_GIT_TOKEN: TOKEN });
    const remote = await initDemoRepo(join(dir, 'remote'), await webappPolicy('unused'), 'applicationset-revision', { env });
    const policy = await webappPolicy(remote);
    const http = await refusingServer();
    server = http.server;
    const lines: string[] = [];
    const delivery = new GitOpsDelivery(policy, { workDir: join(dir, 'work'), env, logger: (l) => lines.push(l) });
    await delivery.history();
    await git(join(dir, 'work'), ['remote', 'set-url', '--push', 'origin', `${http.url}/gitops.git`], env);

    const e = await delivery.deploy(ringOf(policy, 'ring-1', RELEASE)).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(AdapterError);
    const error = e as AdapterError;
    expect(error.message).toMatch(/^git push to .* failed: .*Authentication failed/);
    expect(error.retryable).toBe(false);
    expect(`${error.message} ${String(error.cause ?? '')} ${error.stack ?? ''} ${lines.join('\n')}`).not.toContain(TOKEN);
    expect(http.seen.map((h) => Buffer.from(h.replace(/^Basic /, ''), 'base64').toString())).toContain(`x-access-token:${TOKEN}`);
    const config = await git(join(dir, 'work'), ['config', '--list', '--show-origin'], env);
    expect(config).not.toContain(TOKEN);
  });

  it('hides user:pass@ of the repository URL in errors', async () => {
    const dir = await tempDir();
    const http = await refusingServer();
    server = http.server;
    const repo = http.url.replace('http://', 'http://deploy-bot:hunter2hunter2@') + '/gitops.git';
    const policy = await webappPolicy(repo);
    const e = await new GitOpsDelivery(policy, { workDir: join(dir, 'work'), env: testEnv(dir) }).deploy(ringOf(policy, 'ring-1', RELEASE)).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(AdapterError);
    expect((e as AdapterError).message).toContain('http://***@127.0.0.1:');
    expect((e as AdapterError).message).not.toContain('hunter2');
  });
});
