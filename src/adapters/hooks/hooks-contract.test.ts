/**
 * @module HookRunner against the Hooks contract (src/ports-contract), for real: commands run as
 * processes (argv, no shell of ours) and webhooks sent to an HTTP server on loopback. The failing
 * hook repeats a secret it knows: a token in its environment, a token in its URL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hooksContract } from '../../ports-contract/hooks-contract.test-helper.ts';
import { HookRunner } from './hooks.ts';

const SECRET = 'aG9va3MtY29udHJhY3QtdG9rZW4tZm9yLXRoZS1ydW5uZXI';
const context = (step: string) => ({ releaseId: 'webapp-v2.1.0', service: 'webapp', version: 'v2.1.0', step });

hooksContract('HookRunner running commands', async () => ({
  hooks: new HookRunner({ env: { PATH: process.env.PATH, DEPLOY_TOKEN: SECRET } }),
  passing: { hook: { command: ['sh', '-c', 'test "$MERIDIAN_STEP" = flag.enable'] }, context: context('flag.enable') },
  failing: {
    hook: { command: ['sh', '-c', 'echo "the primary refused to pause (token $DEPLOY_TOKEN)" >&2; exit 3'] },
    context: context('replication.pause'),
    says: 'exited with status 3',
  },
  secret: SECRET,
}));

/** A webhook receiver: 204 to /ok, 503 to anything else, echoing the request's URL (and so its token) in the body. */
async function receiver(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/ok') {
        res.statusCode = 204;
        return void res.end();
      }
      res.statusCode = 503;
      res.end(`replica lag too high, refusing ${req.url ?? ''}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

hooksContract('HookRunner calling webhooks', async () => {
  const { server, base } = await receiver();
  return {
    hooks: new HookRunner({ env: {} }),
    passing: { hook: { webhook: { url: `${base}/ok`, method: 'POST' } }, context: context('flag.enable') },
    failing: { hook: { webhook: { url: `${base}/pause?token=${SECRET}`, method: 'POST' } }, context: context('replication.pause'), says: 'answered 503' },
    secret: SECRET,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});
