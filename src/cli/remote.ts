/**
 * @module What every command that talks to a running server shares: `--server` (or
 * MERIDIAN_SERVER), `--token` (or MERIDIAN_TOKEN; never printed) and `--json`, and the client
 * they make.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { MeridianClient, serverUrl, tokenFrom } from './client.ts';
import type { Io } from './io.ts';

export interface RemoteOptions {
  server?: string;
  token?: string;
  json?: boolean;
}

/** Add --server, --token and --json (described by `jsonHelp`) to a command. */
export function remoteOptions(cmd: Command, jsonHelp: string): Command {
  return cmd
    .option('--server <url>', 'the Meridian server (default: MERIDIAN_SERVER or http://127.0.0.1:8080)')
    .option('--token <token>', 'API token (default: MERIDIAN_TOKEN)')
    .option('--json', jsonHelp);
}

/** The client the options name; a UsageError when the command changes something and no token is given. */
export function remoteClient(opts: RemoteOptions, io: Io, needsToken: boolean, fetchImpl?: typeof fetch): MeridianClient {
  const server = serverUrl(opts.server, io.env);
  const token = tokenFrom(opts.token, io.env);
  if (needsToken && !token) throw new UsageError('this command needs a token: pass --token TOKEN or set MERIDIAN_TOKEN');
  return new MeridianClient({ server, token, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}
