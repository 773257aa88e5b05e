/**
 * @module Checking that changed kustomize overlays still build before they are pushed: `kubectl
 * kustomize DIR`, when the kubectl on the PATH embeds a kustomize that can build today's overlays
 * (v4 or newer: kubectl 1.21+). Otherwise the caller skips the check and says why, once.
 */
import { execFile } from 'node:child_process';
import { AdapterError } from '../../errors.ts';

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ ok: boolean; missing: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      resolve({ ok: !error, missing: code === 'ENOENT', stdout, stderr });
    });
  });
}

export interface KubectlStatus {
  usable: boolean;
  /** Why the build check is skipped, when it is. */
  reason: string;
}

/**
 * Judge `kubectl version --client` output (null: no kubectl). kubectl up to 1.20 embeds kustomize
 * v2.0.3, which refuses a directory in `resources:` ("must be a file"), so it would fail good overlays.
 */
export function judgeKubectl(output: string | null): KubectlStatus {
  const skipped = 'overlays are pushed without a kubectl kustomize build check';
  if (output === null) return { usable: false, reason: `kubectl is not on the PATH: ${skipped}` };
  const kustomize = /Kustomize Version:\s*v?(\d+)/.exec(output);
  if (kustomize) {
    const major = Number(kustomize[1]);
    return major >= 4 ? { usable: true, reason: '' } : { usable: false, reason: `kubectl embeds kustomize v${major}, older than v4: ${skipped}` };
  }
  const client = /Major:"(\d+)", Minor:"(\d+)/.exec(output) ?? /Client Version:\s*v?(\d+)\.(\d+)/.exec(output);
  const minor = client && Number(client[1]) === 1 ? Number(client[2]) : null;
  if (minor !== null && minor < 21) return { usable: false, reason: `kubectl 1.${minor} embeds kustomize v2, which cannot build overlays with directories in resources: ${skipped}` };
  return { usable: true, reason: '' };
}

/** Whether the kubectl on this environment's PATH can check overlays. */
export async function kubectlStatus(env: NodeJS.ProcessEnv): Promise<KubectlStatus> {
  const r = await run(['version', '--client'], env);
  if (r.missing) return judgeKubectl(null);
  if (!r.ok) return { usable: false, reason: `kubectl version --client failed (${firstErrorLine(r.stderr || r.stdout)}): overlays are pushed without a kubectl kustomize build check` };
  return judgeKubectl(r.stdout);
}

/** The first line that says what went wrong. */
export function firstErrorLine(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('# Warning')) ?? 'no output';
  return line.replace(/^[EWIF]\d{4} [\d:.]+\s+\d+ [\w.-]+:\d+\] /, '');
}

/** Throw when `kubectl kustomize <dir>` fails; `dir` is shown repository-relative as `shown`. */
export async function assertBuilds(dir: string, shown: string, env: NodeJS.ProcessEnv, redact: (s: string) => string): Promise<void> {
  const r = await run(['kustomize', dir], env);
  if (r.ok) return;
  const reason = r.missing ? 'kubectl is not on the PATH' : firstErrorLine(r.stderr || r.stdout);
  throw new AdapterError(redact(`${shown} does not build with kubectl kustomize: ${reason}; nothing was pushed`), { retryable: false });
}
