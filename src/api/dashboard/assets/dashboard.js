/**
 * @module The dashboard's only script. It keeps the API token in sessionStorage (this tab only) and
 * sends it as `Authorization: Bearer` — never in a URL or a cookie. It loads the server-rendered
 * fragment of the page, follows the release's server-sent events by reading the stream with fetch
 * (EventSource cannot send a header) and swaps in a fresh fragment when something happens,
 * reconnecting with backoff when the server goes away. Actions are confirmed in a dialog and sent
 * to the JSON API, whose refusals are shown as it words them.
 */
const KEY = 'meridian.token';
const REFRESH_MS = { list: 15_000, release: 30_000 };
/** A stream that says nothing (not even its 15 s heartbeat) for this long is dead. */
const STALL_MS = 45_000;

const $ = (id) => document.getElementById(id);
const main = $('main');
const live = $('live');
const conn = $('conn');
const signinDialog = $('signin-dialog');
const confirmDialog = $('confirm-dialog');
const { page, fragment: fragmentUrl, events: eventsUrl, release: releaseId } = main.dataset;
const placeholder = live.innerHTML;

let session = 0; // bumped on sign-in and sign-out: work of an older session stops
let refreshing = null;
let again = false;
let heldMarkup = null;
let pendingAction = null;
/** The badge shows while the last fragment fetch failed or, on a release page, the event stream is down. */
const health = { fetch: true, stream: true };

const token = () => sessionStorage.getItem(KEY);
const auth = (extra = {}) => ({ ...extra, Authorization: `Bearer ${token()}` });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function setOnline(part, ok) {
  health[part] = ok;
  conn.hidden = health.fetch && health.stream;
}

function showUser(root) {
  const who = $('who');
  const user = root?.dataset.user;
  who.textContent = user ? `${user} (${root.dataset.role})` : '';
}

function setSignedIn(yes) {
  $('sign-in').hidden = yes;
  $('sign-out').hidden = !yes;
  if (!yes) $('who').textContent = '';
}

/** Replace the live part, keeping focus on the same control when it is still there. */
function swap(markup) {
  if (confirmDialog.open) {
    heldMarkup = markup; // never change the buttons under an open dialog
    return;
  }
  const active = document.activeElement;
  const key = active && live.contains(active) && active !== live
    ? (active.dataset.action ? `[data-action="${CSS.escape(active.dataset.action)}"][data-ring="${CSS.escape(active.dataset.ring ?? '')}"]` : active.id ? `#${CSS.escape(active.id)}` : null)
    : null;
  live.innerHTML = markup;
  const root = live.firstElementChild;
  if (root?.dataset.title) {
    $('title').textContent = root.dataset.title;
    document.title = `${root.dataset.title} · Meridian`;
  }
  if (root?.dataset.user) showUser(root);
  if (key) live.querySelector(key)?.focus();
}

async function loadFragment(mine) {
  let res;
  try {
    res = await fetch(fragmentUrl, { headers: auth(), cache: 'no-store' });
  } catch {
    setOnline('fetch', false);
    return;
  }
  if (mine !== session) return;
  if (res.status === 401) return signOut('Your token was not accepted. Sign in again.');
  if (res.status >= 500) return setOnline('fetch', false);
  setOnline('fetch', true);
  swap(await res.text());
}

/** Fetch the fragment now, or once more after the fetch in flight: bursts of events cost two fetches at most. */
function refresh() {
  if (!token()) return;
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = loadFragment(session).finally(() => {
    refreshing = null;
    if (again) {
      again = false;
      refresh();
    }
  });
}

/** Server-sent events from a byte stream: yields `{ id, data }` per event, skips comments. */
async function* sseEvents(body, onBytes) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let data = [];
  let id = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onBytes();
    buf += value;
    for (;;) {
      const nl = buf.search(/\r\n|\r|\n/);
      if (nl < 0 || (buf[nl] === '\r' && nl === buf.length - 1)) break;
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (data.length > 0) yield { id, data: data.join('\n') };
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let v = colon < 0 ? '' : line.slice(colon + 1);
      if (v.startsWith(' ')) v = v.slice(1);
      if (field === 'data') data.push(v);
      else if (field === 'id') id = v;
    }
  }
}

/** Follow the release's events for as long as this session lasts, reconnecting with backoff. */
async function follow(mine) {
  let attempt = 0;
  let lastId = null;
  while (mine === session) {
    const abort = new AbortController();
    let watchdog = setTimeout(() => abort.abort(), STALL_MS);
    const alive = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => abort.abort(), STALL_MS);
    };
    const stop = () => abort.abort();
    window.addEventListener('meridian:signout', stop, { once: true });
    try {
      const headers = auth({ Accept: 'text/event-stream' });
      if (lastId !== null) headers['Last-Event-ID'] = lastId;
      const res = await fetch(eventsUrl, { headers, signal: abort.signal, cache: 'no-store' });
      if (res.status === 401) return signOut('Your token was not accepted. Sign in again.');
      if (res.status === 404) return;
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      attempt = 0;
      setOnline('stream', true);
      refresh(); // catch up on whatever happened while away
      for await (const ev of sseEvents(res.body, alive)) {
        if (ev.id !== null) lastId = ev.id;
        refresh();
      }
    } catch {
      // the server went away, the stream stalled, or the session ended
    } finally {
      clearTimeout(watchdog);
      window.removeEventListener('meridian:signout', stop);
    }
    if (mine !== session) return;
    setOnline('stream', false);
    const delay = Math.min(30_000, 500 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
    attempt = Math.min(attempt + 1, 6);
    await sleep(delay);
  }
}

function start() {
  session += 1;
  const mine = session;
  setSignedIn(true);
  live.setAttribute('aria-busy', 'true');
  live.innerHTML = '<p class="empty">Loading…</p>';
  refresh();
  refreshing?.finally(() => live.setAttribute('aria-busy', 'false'));
  if (page === 'release' && eventsUrl) void follow(mine);
  const timer = setInterval(() => {
    if (mine !== session) return clearInterval(timer);
    if (!document.hidden) refresh();
  }, REFRESH_MS[page] ?? 30_000);
}

function signOut(message) {
  sessionStorage.removeItem(KEY);
  session += 1;
  window.dispatchEvent(new Event('meridian:signout'));
  setSignedIn(false);
  setOnline('fetch', true);
  setOnline('stream', true);
  live.innerHTML = placeholder;
  if (message) {
    $('signin-error').textContent = message;
    if (!signinDialog.open) signinDialog.showModal();
  }
}

// ---- sign in ----

function openSignIn() {
  $('signin-error').textContent = '';
  $('token-input').value = '';
  if (!signinDialog.open) signinDialog.showModal();
}

$('sign-in').addEventListener('click', openSignIn);
$('sign-out').addEventListener('click', () => signOut());
$('signin-cancel').addEventListener('click', () => signinDialog.close());
live.addEventListener('click', (e) => {
  if (e.target.closest('[data-signin]')) openSignIn();
});

$('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const candidate = $('token-input').value.trim();
  if (!candidate) return;
  let res;
  try {
    res = await fetch(fragmentUrl, { headers: { Authorization: `Bearer ${candidate}` }, cache: 'no-store' });
  } catch {
    $('signin-error').textContent = 'Could not reach the server. Try again.';
    return;
  }
  if (res.status === 401) {
    $('signin-error').textContent = 'This token was not accepted.';
    return;
  }
  sessionStorage.setItem(KEY, candidate);
  $('token-input').value = '';
  signinDialog.close();
  start();
});

// ---- actions ----

live.addEventListener('click', (e) => {
  const button = e.target.closest('button[data-action]');
  if (!button) return;
  pendingAction = { kind: button.dataset.action, ring: button.dataset.ring || undefined };
  $('confirm-title').textContent = button.dataset.question;
  $('confirm-text').textContent = button.dataset.consequence;
  $('confirm-error').textContent = '';
  const ok = $('confirm-ok');
  ok.textContent = button.textContent;
  ok.className = button.classList.contains('danger') ? 'danger' : 'primary';
  ok.hidden = false;
  ok.disabled = false;
  $('confirm-cancel').textContent = 'Cancel';
  confirmDialog.showModal();
});

$('confirm-cancel').addEventListener('click', () => confirmDialog.close());
confirmDialog.addEventListener('close', () => {
  pendingAction = null;
  if (heldMarkup !== null) {
    const markup = heldMarkup;
    heldMarkup = null;
    swap(markup);
  }
  refresh();
});

$('confirm-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!pendingAction) return;
  const { kind, ring } = pendingAction;
  const ok = $('confirm-ok');
  ok.disabled = true;
  const body = kind === 'approve' ? { ring } : {};
  let message;
  let refused = true;
  try {
    const res = await fetch(`/api/v1/releases/${encodeURIComponent(releaseId)}/${kind}`, {
      method: 'POST', headers: auth({ 'Content-Type': 'application/json' }), body: JSON.stringify(body),
    });
    if (res.ok) {
      confirmDialog.close();
      return;
    }
    const problem = await res.json().catch(() => null);
    message = problem?.error?.message ?? `The server answered ${res.status}.`;
    if (res.status === 401) message = 'Your token was not accepted. Sign in again.';
  } catch {
    refused = false;
    message = 'Could not reach the server, so it is not known whether this was done. The page shows the outcome once it reconnects.';
  }
  $('confirm-error').textContent = refused ? `Refused: ${message}` : message;
  ok.hidden = true;
  $('confirm-cancel').textContent = 'Close';
  $('confirm-cancel').focus();
});

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) refresh();
});

if (token()) start();
