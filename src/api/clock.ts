/**
 * @module `GET /api/v1/clock` (a viewer): the server's clock, `{ now, timeScale }`. Under `serve
 * --time-scale N` the clock is virtual and runs N times faster than real time; every time the API
 * answers with is on that clock, so a program comparing them with its own needs this. Mount it on
 * the app beside the other routes under /api/v1.
 */
import { Hono } from 'hono';
import type { Auth } from './auth.ts';
import { guard, type ApiEnv } from './guard.ts';

export interface ServerClock {
  /** The server's clock now (epoch milliseconds). */
  now(): number;
  /** How much faster than real time it runs (1: the wall clock). */
  timeScale: number;
}

export interface ClockAnswer {
  now: string;
  timeScale: number;
}

export function clockRoutes(auth: Auth, clock: ServerClock): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  api.get('/clock', guard(auth, 'viewer', 'clock.read'), (c) => c.json({ now: new Date(clock.now()).toISOString(), timeScale: clock.timeScale } satisfies ClockAnswer));
  return api;
}
