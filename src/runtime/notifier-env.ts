/**
 * @module The environment that notification sinks need: every `${NAME}` a sink URL refers to must
 * be set when `meridian serve` starts (or reloads), or it refuses, naming the file, line and path
 * of each reference and the variable (validate does not need them). The values are never read
 * here beyond whether they are set; they are filled in only when a notification is sent.
 */
import { UsageError, formatLocated, type Located } from '../errors.ts';
import type { FleetConfig } from '../policy/fleet-config.ts';
import { writtenAt, type LoadedConfig } from '../policy/fleet.ts';
import { urlVariables, type NotificationSink } from '../policy/notifications.ts';
import { locate } from '../policy/source.ts';

function urlsOf(sink: NotificationSink): Array<{ kind: 'webhook' | 'slack'; url: string }> {
  const out: Array<{ kind: 'webhook' | 'slack'; url: string }> = [];
  if (sink.webhook) out.push({ kind: 'webhook', url: sink.webhook.url });
  if (sink.slack) out.push({ kind: 'slack', url: sink.slack.url });
  return out;
}

/** Every variable a sink of the configuration refers to, each once. */
export function sinkVariables(config: FleetConfig): string[] {
  const names = new Set<string>();
  for (const s of config.services) for (const sink of s.policy.spec.notifications) for (const { url } of urlsOf(sink)) for (const n of urlVariables(url)) names.add(n);
  return [...names];
}

/** Each reference to a variable that `env` does not set (or sets empty), located where it was written (a fleet's sinks in the fleet's file), each place once. */
export function unsetSinkVariables(loaded: LoadedConfig, env: Readonly<Record<string, string | undefined>>): Located[] {
  const out: Located[] = [];
  const seen = new Set<string>();
  for (const service of loaded.services) {
    service.service.policy.spec.notifications.forEach((sink, i) => {
      for (const { kind, url } of urlsOf(sink)) {
        for (const name of urlVariables(url)) {
          if (env[name]) continue;
          const where = writtenAt(service, ['spec', 'notifications', i, kind, 'url']);
          const located = locate(where.source, {
            path: where.path,
            message: `\${${name}} is not set in the environment (meridian serve fills it in when it sends a notification: set ${name}, or remove the reference)`,
          });
          const key = formatLocated(located);
          if (!seen.has(key)) {
            seen.add(key);
            out.push(located);
          }
        }
      }
    });
  }
  return out;
}

/** The configuration, when the environment sets every variable its sinks refer to; otherwise a UsageError with one line per reference. */
export function requireSinkVariables(loaded: LoadedConfig, env: Readonly<Record<string, string | undefined>>): FleetConfig {
  const unset = unsetSinkVariables(loaded, env);
  if (unset.length > 0) throw new UsageError(unset.map(formatLocated).join('\n'));
  return loaded.config;
}
