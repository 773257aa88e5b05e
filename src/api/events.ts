/**
 * @module Server-sent events of the engine. `GET /api/v1/releases/:id/events`: one per engine event. The
 * release's past events come first, then live ones; each is a default (`message`) event whose data
 * is the event as JSON (`{ at, type, ring?, region?, detail? }`) and whose `id` is its position in
 * the release's event list, so a client reconnecting with `Last-Event-ID` gets only what it missed.
 * A comment line is sent every 15 s to keep proxies from closing an idle stream. The stream stays
 * open until the client leaves, also after the release has settled.
 *
 * `GET /api/v1/events`: every release's live events from the moment of connecting (no past, no
 * `id`: a client that reconnects reads the state afresh), each a default event whose data is
 * `{ releaseId, event }`. A comment line opens the stream at once and then every 15 s, as above.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { LiveEvent, ReleaseController } from '../runtime/controller-types.ts';

type Event = LiveEvent['event'];

export const HEARTBEAT_MS = 15_000;

const same = (a: Event, b: Event): boolean =>
  a.at === b.at && a.type === b.type && a.ring === b.ring && a.region === b.region && a.detail === b.detail;

/**
 * How many of the events that arrived while the past was being read are already in it: they are
 * a suffix of the past and a prefix of the arrivals.
 */
function overlap(past: Event[], arrived: Event[]): number {
  for (let k = Math.min(past.length, arrived.length); k > 0; k--) {
    let ok = true;
    for (let j = 0; j < k && ok; j++) ok = same(arrived[j]!, past[past.length - k + j]!);
    if (ok) return k;
  }
  return 0;
}

export async function streamReleaseEvents(c: Context, controller: ReleaseController, heartbeatMs = HEARTBEAT_MS): Promise<Response> {
  const id = c.req.param('id')!;
  // Listen first, then read the past, so nothing falls between the two.
  const arrived: Event[] = [];
  let deliver: ((e: Event) => void) | null = null;
  const unsubscribe = controller.subscribe(id, ({ event }) => (deliver ? deliver(event) : arrived.push(event)));
  let past: Event[];
  try {
    past = (await controller.get(id)).events;
  } catch (e) {
    unsubscribe();
    throw e;
  }
  const lastSeen = Number.parseInt(c.req.header('last-event-id') ?? '', 10);
  const from = Number.isFinite(lastSeen) ? lastSeen + 1 : 0;

  return streamSSE(c, async (stream) => {
    let next = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const send = (e: Event): void => {
      const n = next++;
      if (n < from) return;
      writing = writing.then(() => stream.writeSSE({ id: String(n), data: JSON.stringify(e) }));
    };
    const done = clientGone(c, stream);
    const heartbeat = setInterval(() => {
      writing = writing.then(() => stream.write(': heartbeat\n\n'));
    }, heartbeatMs);
    try {
      for (const e of past) send(e);
      for (const e of arrived.slice(overlap(past, arrived))) send(e);
      arrived.length = 0;
      deliver = send;
      await done;
    } finally {
      clearInterval(heartbeat);
      unsubscribe();
    }
  });
}

/** Resolves when the client goes away (the response stream is cancelled or the request aborted). */
function clientGone(c: Context, stream: { onAbort(listener: () => void): void; aborted: boolean }): Promise<void> {
  return new Promise<void>((resolve) => {
    stream.onAbort(resolve);
    c.req.raw.signal.addEventListener('abort', () => resolve(), { once: true });
    if (stream.aborted || c.req.raw.signal.aborted) resolve();
  });
}

/** Every release's live events, for as long as the client stays (the dashboard's home and list follow it). */
export function streamAllEvents(c: Context, controller: ReleaseController, heartbeatMs = HEARTBEAT_MS): Response {
  return streamSSE(c, async (stream) => {
    let writing: Promise<unknown> = Promise.resolve();
    const unsubscribe = controller.subscribe('*', (e: LiveEvent) => {
      writing = writing.then(() => stream.writeSSE({ data: JSON.stringify({ releaseId: e.releaseId, event: e.event }) }));
    });
    const done = clientGone(c, stream);
    const heartbeat = setInterval(() => {
      writing = writing.then(() => stream.write(': heartbeat\n\n'));
    }, heartbeatMs);
    try {
      // Said at once, so the client knows the stream is open before the first event.
      writing = writing.then(() => stream.write(': connected\n\n'));
      await done;
    } finally {
      clearInterval(heartbeat);
      unsubscribe();
    }
  });
}
