/**
 * @module The page shell around every dashboard page: head, header with the sign-in control and
 * the connection badge, the main element the client script fills with server-rendered fragments,
 * and the two dialogs (sign in, confirm an action). No data lives in the shell: it is served
 * to anyone, and the fragments (freezes at the top of each) only to a signed-in viewer.
 */
import { utcMinute } from './format.ts';
import { html, type SafeHtml } from './html.ts';

export interface Shell {
  title: string;
  service: string;
  /** `fleet` (services × regions), `list` (every release) or `release`: what the client script does on this page. */
  page: 'fleet' | 'list' | 'release';
  /** Where the client fetches this page's content. */
  fragment: string;
  /** The server-sent events the page follows: every release's, or on a release page that release's. */
  events?: string;
  /** The release id, on a release page. */
  release?: string;
  /** The server's clock when the page was made and how much faster than real time it runs (`serve --time-scale`). */
  clock?: { now: number; timeScale: number };
}

/** `600× faster than real time`; a scale under 1 is slower. */
function speed(scale: number): string {
  return scale > 1 ? `${scale}× faster than real time` : `${scale}× real time (slower than real time)`;
}

/** On every page of a server whose clock is not the wall clock: say so, and what time it is there (kept current by the client script). */
export function simulatedTimeBanner(clock: Shell['clock']): SafeHtml {
  if (!clock || clock.timeScale === 1) return html``;
  const now = html`<time id="server-now" datetime="${new Date(clock.now).toISOString()}">${utcMinute(clock.now)}</time>`;
  return html`<p class="sim-time" id="sim-time" role="note">Simulated time: ${speed(clock.timeScale)}. Times shown are virtual (now ${now}).</p>`;
}

const WHAT: Record<Shell['page'], string> = { fleet: 'the services', list: 'the releases', release: 'this release' };

export function shell(s: Shell): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${s.title} · Meridian</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/dashboard.css">
<script type="module" src="/assets/dashboard.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">Meridian</a>
  <span class="service">${s.service}</span>
  <nav class="pages" aria-label="Pages"><a href="/"${s.page === 'fleet' ? html` aria-current="page"` : ''}>Services</a> <a href="/releases"${s.page === 'list' ? html` aria-current="page"` : ''}>Releases</a></nav>
  <span id="conn" class="conn" role="status" title="The server cannot be reached; the page shows the last state it saw" hidden>reconnecting…</span>
  <span class="who"><span id="who"></span>
    <button type="button" id="sign-in" class="link">Sign in</button>
    <button type="button" id="sign-out" class="link" hidden>Sign out</button>
  </span>
</header>
${simulatedTimeBanner(s.clock)}
<main id="main" data-page="${s.page}" data-fragment="${s.fragment}" data-events="${s.events ?? ''}" data-release="${s.release ?? ''}"${s.clock ? html` data-now="${s.clock.now}" data-time-scale="${s.clock.timeScale}"` : ''}>
  <h1 id="title">${s.title}</h1>
  <div id="live" aria-live="polite" aria-busy="false">
    <p class="empty" id="placeholder">Sign in to see ${WHAT[s.page]}. <button type="button" class="primary" data-signin>Sign in</button></p>
    <noscript><p class="empty">The dashboard needs JavaScript to send your token to the API.</p></noscript>
  </div>
</main>
<dialog id="signin-dialog" aria-labelledby="signin-title">
  <form method="dialog" id="signin-form">
    <h2 id="signin-title">Sign in</h2>
    <p>Paste an API token (from <code>meridian token create</code>). It stays in this browser tab only and is sent to the API as a header.</p>
    <label for="token-input">API token</label>
    <input id="token-input" type="password" autocomplete="off" spellcheck="false" required>
    <p id="signin-error" class="error" role="alert"></p>
    <div class="buttons">
      <button type="button" id="signin-cancel">Cancel</button>
      <button type="submit" class="primary">Sign in</button>
    </div>
  </form>
</dialog>
<dialog id="confirm-dialog" aria-labelledby="confirm-title" aria-describedby="confirm-text">
  <form method="dialog" id="confirm-form">
    <h2 id="confirm-title">Confirm</h2>
    <p id="confirm-text"></p>
    <p id="confirm-error" class="error" role="alert"></p>
    <div class="buttons">
      <button type="button" id="confirm-cancel">Cancel</button>
      <button type="submit" id="confirm-ok" class="primary">Confirm</button>
    </div>
  </form>
</dialog>
</body>
</html>
`;
}
