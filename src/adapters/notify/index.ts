/**
 * @module The notification sinks for real: a webhook (POST, the notification as JSON), a Slack
 * incoming webhook (slack.ts) and a command (argv, no shell: the same JSON on standard input and
 * MERIDIAN_* variables, killed after the timeout). One send is one attempt; the notifier
 * (runtime/notifier.ts) decides about trying again. An answer of 2xx or an exit status of 0 is a
 * delivery. Worth another attempt: no answer, a 5xx, 408, 425 or 429, a non-zero exit, a timeout;
 * not: any other 4xx (the receiver refuses the request itself, e.g. a revoked Slack hook), an unset
 * variable, a program that is not there. Every error is redacted before it is shortened
 * (../redact.ts): the values a URL's `${NAME}` parts were filled in with, its credentials and
 * query values, and the secret-named variables of the environment never show.
 */
import { fetchWithTimeout } from '../../http.ts';
import type { NotificationSink } from '../../policy/notifications.ts';
import type { DeliveryResult, NotificationBody, NotificationSender } from '../../runtime/notifier-types.ts';
import { runCommand } from '../hooks/hooks.ts';
import { excerpt, type Known } from '../redact.ts';
import { expandUrl } from './expand.ts';
import { slackMessage } from './slack.ts';

export { expandUrl } from './expand.ts';
export { slackHeadline, slackMessage } from './slack.ts';

/** How long one attempt may take. */
export const SEND_TIMEOUT_MS = 10_000;
/** How much of what a receiver or a program said an error quotes. */
const SAID_CHARS = 300;
/** Client errors that say "later", not "never". */
const RETRYABLE_4XX = new Set([408, 425, 429]);

export interface NotificationSendersOptions {
  /** Where `${NAME}` parts are read from, and what a command inherits. Default process.env. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Variables whose values are secret whatever their name (every `${NAME}` any sink refers to). */
  secretVariables?: () => readonly string[];
}

/** The environment variables a command sink is given, besides the server's own. */
export function commandEnvironment(b: NotificationBody, deliveryId: string): Record<string, string> {
  return {
    MERIDIAN_EVENT: b.event, MERIDIAN_RELEASE: b.releaseId, MERIDIAN_SERVICE: b.service, MERIDIAN_VERSION: b.version,
    MERIDIAN_RING: b.ring ?? '', MERIDIAN_REGION: b.region ?? '', MERIDIAN_REASON: b.reason ?? '', MERIDIAN_AT: b.at,
    MERIDIAN_URL: b.url, MERIDIAN_DELIVERY: deliveryId,
  };
}

export class NotificationSenders implements NotificationSender {
  readonly #opts: NotificationSendersOptions;

  constructor(opts: NotificationSendersOptions = {}) {
    this.#opts = opts;
  }

  #env(): NodeJS.ProcessEnv {
    return this.#opts.env ?? process.env;
  }

  #known(secrets: readonly string[]): Known {
    return { secrets, env: this.#env(), alwaysSecret: this.#opts.secretVariables?.() ?? [] };
  }

  async send(sink: NotificationSink, body: NotificationBody, opts: { signal: AbortSignal; deliveryId: string }): Promise<DeliveryResult> {
    if (sink.command) return this.#command(sink.command, body, opts);
    const target = sink.webhook ?? sink.slack;
    if (!target) return { ok: false, status: null, error: 'the sink has neither a URL nor a command', retryable: false };
    const payload = sink.slack ? slackMessage(body) : body;
    return this.#post(target.url, payload, body, opts.deliveryId);
  }

  async #post(url: string, payload: unknown, body: NotificationBody, deliveryId: string): Promise<DeliveryResult> {
    const env = this.#env();
    const expanded = expandUrl(url, env);
    if (!expanded.ok) return { ok: false, status: null, error: excerpt(expanded.error, this.#known(expanded.secrets), SAID_CHARS), retryable: false };
    const known = this.#known(expanded.secrets);
    const outcome = await fetchWithTimeout(this.#opts.fetch ?? fetch, expanded.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'meridian', 'x-meridian-event': body.event, 'x-meridian-delivery': deliveryId },
      body: JSON.stringify(payload),
    }, this.#opts.timeoutMs ?? SEND_TIMEOUT_MS);
    if (!outcome.ok) return { ok: false, status: null, error: excerpt(outcome.failure.words, known, SAID_CHARS), retryable: outcome.failure.retryable };
    const { response, body: said } = outcome;
    if (response.ok) return { ok: true, status: response.status };
    const words = excerpt(said, known, SAID_CHARS);
    const retryable = response.status >= 500 || RETRYABLE_4XX.has(response.status);
    return { ok: false, status: response.status, error: `answered ${response.status}${words ? `: ${words}` : ''}`, retryable };
  }

  async #command(argv: readonly string[], body: NotificationBody, opts: { signal: AbortSignal; deliveryId: string }): Promise<DeliveryResult> {
    const env = { ...this.#env(), ...commandEnvironment(body, opts.deliveryId) };
    const outcome = await runCommand(argv, {
      env, timeoutMs: this.#opts.timeoutMs ?? SEND_TIMEOUT_MS, stdin: `${JSON.stringify(body)}\n`, signal: opts.signal, killSignal: 'SIGKILL',
      secrets: (this.#opts.secretVariables?.() ?? []).map((name) => env[name]).filter((v): v is string => !!v),
    });
    if (outcome.ok) return { ok: true, status: 0 };
    return { ok: false, status: outcome.status, error: outcome.why, retryable: outcome.kind === 'exit' || outcome.kind === 'timeout' };
  }
}
