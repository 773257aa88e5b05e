/**
 * @module Test support: an HTTP client that keeps cookies as a browser does (per host and path,
 * Max-Age=0 deletes) and follows redirects one at a time when asked, so a test can walk a sign-in
 * through a real identity provider and change what it likes on the way. Also a free loopback port.
 */
import { createServer } from 'node:net';

export interface Answer {
  status: number;
  location: string | null;
  setCookies: string[];
  text: string;
  url: string;
}

interface Kept {
  host: string;
  path: string;
  name: string;
  value: string;
}

export class CookieClient {
  readonly #cookies: Kept[] = [];

  /** The value of a cookie kept for `url`'s host, or undefined. */
  cookie(url: string, name: string): string | undefined {
    const host = new URL(url).host;
    return this.#cookies.find((c) => c.host === host && c.name === name)?.value;
  }

  /** Set (or replace) a cookie by hand, as a tampering browser could. */
  setCookie(url: string, name: string, value: string, path = '/'): void {
    const host = new URL(url).host;
    this.#forget(host, name, path);
    this.#cookies.push({ host, path, name, value });
  }

  #forget(host: string, name: string, path: string): void {
    for (let i = this.#cookies.length - 1; i >= 0; i--) {
      const c = this.#cookies[i]!;
      if (c.host === host && c.name === name && c.path === path) this.#cookies.splice(i, 1);
    }
  }

  #keep(url: URL, header: string): void {
    const [pair, ...attrs] = header.split(';').map((s) => s.trim());
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq);
    const value = pair!.slice(eq + 1);
    let path = '/';
    let gone = false;
    for (const a of attrs) {
      const [k, v] = a.split('=');
      if (k!.toLowerCase() === 'path' && v) path = v;
      if (k!.toLowerCase() === 'max-age' && Number(v) <= 0) gone = true;
      if (k!.toLowerCase() === 'expires' && v && Date.parse(v) < Date.now()) gone = true;
    }
    this.#forget(url.host, name, path);
    if (!gone) this.#cookies.push({ host: url.host, path, name, value });
  }

  /** One request, redirects not followed. */
  async request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
    const u = new URL(url);
    const cookies = this.#cookies.filter((c) => c.host === u.host && (u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)));
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (cookies.length > 0) headers.cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await fetch(u, { method: init.method ?? 'GET', headers, redirect: 'manual', signal: AbortSignal.timeout(10_000), ...(init.body !== undefined ? { body: init.body } : {}) });
    const setCookies = res.headers.getSetCookie();
    for (const h of setCookies) this.#keep(u, h);
    const location = res.headers.get('location');
    return { status: res.status, location: location === null ? null : new URL(location, u).href, setCookies, text: await res.text(), url: u.href };
  }

  /** Follow redirects from `url` until an answer that is not one, or until `stop(next)` says to stop before asking for `next`. */
  async follow(url: string, stop: (next: string) => boolean = () => false, max = 10): Promise<Answer> {
    let answer = await this.request(url);
    for (let i = 0; i < max && answer.location && answer.status >= 300 && answer.status < 400; i++) {
      if (stop(answer.location)) return answer;
      answer = await this.request(answer.location);
    }
    return answer;
  }
}

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
