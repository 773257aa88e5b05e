/**
 * @module What the API does with a request it refuses, besides answering it: a refusal of an
 * authenticated caller (400, 403, 404, 409) is written to the audit log once, by whoever decided
 * it (the controller for release rules, this module for everything the edge refuses); a request
 * without a valid token is counted in /metrics (`meridian_api_unauthenticated_total{reason}`) and
 * logged at most once a minute, never with what it sent as a token.
 */
import type { Context } from 'hono';
import { Counter, type Registry } from 'prom-client';
import { isAudited, markAudited } from '../errors.ts';
import type { ReleaseController } from '../runtime/controller-types.ts';

/** At most one log line about unauthenticated requests per this many milliseconds. */
export const UNAUTHENTICATED_LOG_EVERY_MS = 60_000;

export interface RefusalOptions {
  log: (line: string) => void;
  /** Milliseconds, for the log's rate limit. */
  now?: () => number;
}

export class Refusals {
  readonly #controller: ReleaseController;
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  readonly #unauthenticated: Counter;
  #lastLog = -Infinity;
  #suppressed = 0;

  constructor(controller: ReleaseController, registry: Registry, opts: RefusalOptions) {
    this.#controller = controller;
    this.#log = opts.log;
    this.#now = opts.now ?? (() => Date.now());
    this.#unauthenticated = new Counter({
      name: 'meridian_api_unauthenticated_total', help: 'Requests refused for want of a valid bearer token, by reason.',
      labelNames: ['reason'], registers: [registry],
    });
    for (const reason of ['missing', 'invalid']) this.#unauthenticated.inc({ reason }, 0);
  }

  /** A request without a valid token: counted, and logged when the last line is a minute old. */
  unauthenticated(c: Context, reason: 'missing' | 'invalid'): void {
    this.#unauthenticated.inc({ reason });
    const now = this.#now();
    if (now - this.#lastLog < UNAUTHENTICATED_LOG_EVERY_MS) {
      this.#suppressed++;
      return;
    }
    const more = this.#suppressed > 0 ? ` (and ${this.#suppressed} more since the last line)` : '';
    this.#log(`meridian: refused ${c.req.method} ${c.req.path}: ${reason === 'missing' ? 'no bearer token' : 'invalid or unknown token'}${more}`);
    this.#lastLog = now;
    this.#suppressed = 0;
  }

  /** Write a refusal of a signed-in caller to the audit log, unless it is there already. Never throws. */
  async audit(c: Context, err: unknown, message: string): Promise<void> {
    const actor = c.get('actor') as { user: string } | undefined;
    if (!actor || isAudited(err)) return;
    const action = (c.get('action') as string | undefined) ?? `${c.req.method} ${c.req.path}`;
    // A request about no release is about the service when the server has one.
    const services = this.#controller.services();
    const target = c.req.param('id') ?? (services.length === 1 ? services[0]!.service : 'server');
    try {
      await this.#controller.recordRefusal(actor.user, action, target, message);
      if (err instanceof Error) markAudited(err);
    } catch (e) {
      this.#log(`meridian: could not record the refusal of ${action} by ${actor.user} in the audit log: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
