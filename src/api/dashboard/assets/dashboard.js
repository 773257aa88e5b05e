/**
 * @module The dashboard's only script. It keeps the API token in sessionStorage (this tab only) and
 * sends it as `Authorization: Bearer` — never in a URL or a cookie; under `serve --oidc-issuer` it
 * keeps none: the session cookie signs requests in, each with the session's CSRF token. It loads the server-rendered
 * fragment of the page, follows server-sent events by reading the stream with fetch (EventSource
 * cannot send a header) — a release page its release's, the home page and the list every
 * release's — and swaps in a fresh fragment when something happens (on the home page and the list
 * at most every 500 ms), reconnecting with backoff when the server goes away. Actions (approve,
 * roll back, stop the line, end a freeze…) are confirmed in a dialog and sent to the JSON API,
 * whose refusals are shown as it words them. The home page's filters are a GET form, applied in
 * place and kept in the address. Times are words relative to the server's clock ("in 3 h", "12 min
 * ago"), which may run faster than real time (`serve --time-scale`); they are rewritten as it moves.
 */
const KEY = 'meridian.token';
const REFRESH_MS = { fleet: 15_000, list: 15_000, release: 30_000 };
/** On pages that follow every release, events refresh the page at most this often. */
const EVENT_REFRESH_MS = 500;
/** A stream that says nothing (not even its 15 s heartbeat) for this long is dead. */
const STALL_MS = 45_000;

const $ = (id) => document.getElementById(id);
const main = $('main');
const live = $('live');
const conn = $('conn');
const signinDialog = $('signin-dialog');
const confirmDialog = $('confirm-dialog');
const { page, events: eventsUrl, release: releaseId } = main.dataset;
let fragmentUrl = main.dataset.fragment;
const placeholder = live.innerHTML;

// ---- time words (the rules of format.ts: relativeTime, timeLeft) ----
const MINUTE = 60_000;
/** A span in words, two units at most, whole minutes rounded up or down: `3 h 20 min`, `45 min`, `2 d 3 h`. */
function spanWords(ms, up) {
  const total = up ? Math.ceil(ms / MINUTE) : Math.max(1, Math.floor(ms / MINUTE));
  const d = Math.floor(total / 1440);
  const h = Math.floor((total % 1440) / 60);
  const m = total % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}
/** `in 3 h 20 min`, `12 min ago`, `now` (within half a minute). */
function relativeWords(at, now) {
  const d = at - now;
  if (Math.abs(d) < 30_000) return 'now';
  return d > 0 ? `in ${spanWords(d, true)}` : `${spanWords(-d, false)} ago`;
}
/** `3 h 20 min`, `<1 min`, `0 min`: time left, rounded up. */
function timeLeftWords(ms) {
  if (ms <= 0) return '0 min';
  if (ms < MINUTE) return '<1 min';
  return spanWords(ms, true);
}
const utcMinuteWords = (ms) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
// ---- end of time words ----

/**
 * The server's clock as the page last saw it (a fragment's `data-now`), and how much faster than
 * real time it runs (`serve --time-scale`): times on the page are words relative to it, kept current.
 */
const serverClock = { at: Number(main.dataset.now) || Date.now(), seen: Date.now(), scale: Number(main.dataset.timeScale) || 1 };
const serverNow = () => serverClock.at + (Date.now() - serverClock.seen) * serverClock.scale;

/** Rewrite every relative time on the page (`data-rel`) and the simulated clock of the banner from the server's clock. */
function refreshTimes() {
  const now = serverNow();
  for (const el of document.querySelectorAll('[data-rel]')) {
    const at = Date.parse(el.getAttribute('datetime') ?? el.dataset.at ?? '');
    if (Number.isNaN(at)) continue;
    const words = el.dataset.rel === 'left' ? `${timeLeftWords(at - now)} left` : relativeWords(at, now);
    const text = `${el.dataset.prefix ?? ''}${words}`;
    if (el.textContent !== text) el.textContent = text;
  }
  const clock = $('server-now');
  if (clock) {
    const text = utcMinuteWords(now);
    if (clock.textContent !== text) {
      clock.textContent = text;
      clock.setAttribute('datetime', new Date(now).toISOString());
    }
  }
}
// Scaled, a second is many virtual minutes: the words move every second; at 1x every 15 s is enough.
setInterval(refreshTimes, serverClock.scale > 1 ? 1000 : 15_000);

/** How often the page is fetched afresh: scaled, as often as the same virtual time passes (every 2 s at most), so bars and details keep up. */
function refreshEvery() {
  const every = REFRESH_MS[page] ?? 30_000;
  return serverClock.scale > 1 ? Math.max(2000, every / serverClock.scale) : every;
}

let session = 0; // bumped on sign-in and sign-out: work of an older session stops
let refreshing = null;
let again = false;
let heldMarkup = null;
/** The request the confirmation dialog sends: `{ method, url, body, done? }`. */
let pendingAction = null;
let lastEventRefresh = 0;
let eventTimer = null;
/** The markup each kept element (`data-keep`) had when it came in: one still the same is not replaced. */
const original = new WeakMap();
/** The badge shows while the last fragment fetch failed or, on a release page, the event stream is down. */
const health = { fetch: true, stream: true };

const token = () => sessionStorage.getItem(KEY);
/**
 * Signed in through the identity provider (`serve --oidc-issuer`): the session cookie goes by
 * itself, and every request carries the session's CSRF token (`GET /auth/session`); no token is kept.
 */
const idp = { csrf: null, signIn: null };
const auth = (extra = {}) => (idp.csrf ? { ...extra, 'X-CSRF-Token': idp.csrf } : { ...extra, Authorization: `Bearer ${token()}` });
const signedIn = () => idp.csrf !== null || !!token();
/** Back to the identity provider, returning to this page. */
const toSignIn = () => location.assign(`${idp.signIn}?next=${encodeURIComponent(location.pathname + location.search)}`);
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

/** Someone is typing into a form the page keeps (stop the line): the page waits until they leave it. */
function typing() {
  const a = document.activeElement;
  return !!a && live.contains(a) && a.matches('input, textarea') && !!a.closest('[data-keep]');
}

/** How to find the focused control again in a fresh fragment. */
function focusKey(el) {
  if (!el || !live.contains(el) || el === live) return null;
  if (el.dataset.action) {
    const freeze = el.dataset.freeze ? `[data-freeze="${CSS.escape(el.dataset.freeze)}"]` : '';
    return `[data-action="${CSS.escape(el.dataset.action)}"][data-ring="${CSS.escape(el.dataset.ring ?? '')}"]${freeze}`;
  }
  return el.id ? `#${CSS.escape(el.id)}` : null;
}

/**
 * Replace the live part, keeping focus on the same control when it is still there, and keeping
 * each `data-keep` element whose markup did not change as it is (what was typed, a details opened).
 */
function swap(markup) {
  if (confirmDialog.open || typing()) {
    heldMarkup = markup; // never change the buttons under an open dialog, nor a form being filled in
    return;
  }
  heldMarkup = null;
  const key = focusKey(document.activeElement);
  const kept = new Map();
  for (const el of live.querySelectorAll('[data-keep][id]')) kept.set(el.id, el);
  live.innerHTML = markup;
  for (const el of live.querySelectorAll('[data-keep][id]')) {
    const old = kept.get(el.id);
    if (old && original.get(old) === el.outerHTML) el.replaceWith(old);
    else original.set(el, el.outerHTML);
  }
  const root = live.firstElementChild;
  if (root?.dataset.title) {
    $('title').textContent = root.dataset.title;
    document.title = `${root.dataset.title} · Meridian`;
  }
  if (root?.dataset.user) showUser(root);
  if (key) live.querySelector(key)?.focus();
  if (root?.dataset.now) {
    serverClock.at = Number(root.dataset.now);
    serverClock.seen = Date.now();
  }
  refreshTimes();
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

/** Show what was held back once nobody types into a kept form any more. */
function flushHeld() {
  if (heldMarkup !== null && !confirmDialog.open && !typing()) swap(heldMarkup);
}

/** Fetch the fragment now, or once more after the fetch in flight: bursts of events cost two fetches at most. */
function refresh() {
  if (!signedIn()) return;
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

/** Refresh for an event on a page that follows every release: at once after a quiet spell, else at most every EVENT_REFRESH_MS. */
function refreshSoon() {
  if (eventTimer) return;
  const wait = Math.max(0, lastEventRefresh + EVENT_REFRESH_MS - Date.now());
  eventTimer = setTimeout(() => {
    eventTimer = null;
    lastEventRefresh = Date.now();
    refresh();
  }, wait);
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

/** Follow the page's events for as long as this session lasts, reconnecting with backoff. */
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
        if (page === 'release') refresh();
        else refreshSoon();
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
  if (eventsUrl) void follow(mine);
  const timer = setInterval(() => {
    if (mine !== session) return clearInterval(timer);
    if (!document.hidden) refresh();
  }, refreshEvery());
}

/** End the identity provider's session: asked for, on the server too; refused (expired, ended), sign in again. */
async function endSession(message) {
  const csrf = idp.csrf;
  idp.csrf = null;
  session += 1;
  window.dispatchEvent(new Event('meridian:signout'));
  if (message) return toSignIn();
  try {
    await fetch('/auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': csrf } });
  } catch {
    // the server is away: the session ends when its hours are up
  }
  location.assign('/auth/signed-out');
}

function signOut(message) {
  if (idp.csrf) return endSession(message);
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
  if (idp.signIn) return toSignIn();
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

/** Open the confirmation dialog for `request` (`{ method, url, body, done? }`), worded by `ask`. */
function confirmAction(request, ask) {
  pendingAction = request;
  $('confirm-title').textContent = ask.question;
  $('confirm-text').textContent = ask.consequence;
  $('confirm-error').textContent = '';
  const ok = $('confirm-ok');
  ok.textContent = ask.label;
  ok.className = ask.danger ? 'danger' : 'primary';
  ok.hidden = false;
  ok.disabled = false;
  $('confirm-cancel').textContent = 'Cancel';
  confirmDialog.showModal();
}

/** What a button with `data-action` asks the API for. */
function requestFor(button) {
  const kind = button.dataset.action;
  if (kind === 'freeze-end') return { method: 'DELETE', url: `/api/v1/freezes/${encodeURIComponent(button.dataset.freeze)}`, body: {} };
  const ring = button.dataset.ring || undefined;
  return { method: 'POST', url: `/api/v1/releases/${encodeURIComponent(releaseId)}/${kind}`, body: kind === 'approve' ? { ring } : {} };
}

live.addEventListener('click', (e) => {
  const button = e.target.closest('button[data-action]');
  if (!button) return;
  confirmAction(requestFor(button), {
    question: button.dataset.question, consequence: button.dataset.consequence, label: button.textContent, danger: button.classList.contains('danger'),
  });
});

// ---- stop the line ----

const names = (text) => text.split(/[\s,]+/).filter(Boolean);
const list = (xs) => xs.join(', ');

function stopTheLine(form) {
  const reason = form.elements.reason.value.trim();
  if (!reason) {
    form.elements.reason.value = '';
    form.elements.reason.reportValidity();
    return;
  }
  const regions = names(form.elements.regions.value);
  const services = names(form.elements.services.value);
  const scope = regions.length === 0 && services.length === 0 ? 'for everything'
    : `${services.length > 0 ? `for ${list(services)}` : 'for every service'}${regions.length > 0 ? ` in ${list(regions)}` : ''}`;
  const where = regions.length > 0 ? ` in ${list(regions)}` : '';
  const what = services.length > 0 ? `of ${list(services)}` : 'of any service';
  confirmAction({
    method: 'POST', url: '/api/v1/freezes',
    body: { reason, ...(regions.length > 0 ? { regions } : {}), ...(services.length > 0 ? { services } : {}) },
    done: () => {
      form.reset();
      const details = form.closest('details');
      if (details) details.open = false;
    },
  }, {
    question: `Stop the line ${scope}?`,
    consequence: `No ring ${what} starts deploying${where} until the freeze is ended; bakes, gates and rollbacks go on. Reason: “${reason}”.`,
    label: 'Stop the line', danger: true,
  });
}

// ---- filters (home page) ----

/** Show the fleet with the filters of `search` (`?service=…`), without reloading the page. */
function showFiltered(search) {
  fragmentUrl = `/fragment${search}`;
  main.dataset.fragment = fragmentUrl;
  refresh();
}

function applyFilters(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) if (value) params.set(name, value);
  const search = params.toString() ? `?${params}` : '';
  if (location.pathname !== '/' || location.search !== search) history.pushState(null, '', `/${search}`);
  showFiltered(search);
}

window.addEventListener('popstate', () => {
  if (page === 'fleet') showFiltered(location.search);
});

live.addEventListener('submit', (e) => {
  const form = e.target;
  if (form.id === 'filters') {
    e.preventDefault();
    applyFilters(form);
  } else if (form.id === 'freeze-form') {
    e.preventDefault();
    stopTheLine(form);
  }
});

live.addEventListener('change', (e) => {
  const form = e.target.closest('form#filters');
  if (form && e.target.matches('select')) applyFilters(form);
});

live.addEventListener('click', (e) => {
  const clear = e.target.closest('a.clear');
  if (!clear || page !== 'fleet') return;
  e.preventDefault();
  if (location.search !== '') history.pushState(null, '', '/');
  showFiltered('');
});

live.addEventListener('focusout', () => setTimeout(flushHeld, 0));

// ---- the confirmation dialog ----

$('confirm-cancel').addEventListener('click', () => confirmDialog.close());
confirmDialog.addEventListener('close', () => {
  pendingAction = null;
  if (heldMarkup !== null) swap(heldMarkup);
  refresh();
});

$('confirm-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!pendingAction) return;
  const { method, url, body, done } = pendingAction;
  const ok = $('confirm-ok');
  ok.disabled = true;
  let message;
  let refused = true;
  try {
    const res = await fetch(url, { method, headers: auth({ 'Content-Type': 'application/json' }), body: JSON.stringify(body ?? {}) });
    if (res.ok) {
      done?.();
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

/** Whether the server signs people in through an identity provider, and whether this browser is: then start. */
async function begin() {
  let res = null;
  try {
    res = await fetch('/auth/session', { cache: 'no-store' });
  } catch {
    // unreachable: a token in this tab is tried below
  }
  const me = res?.ok ? await res.json().catch(() => null) : null;
  if (me?.signIn) idp.signIn = me.signIn;
  if (me?.signedIn) {
    idp.csrf = me.csrfToken;
    $('who').textContent = `${me.user} (${me.role})`;
    start();
    return;
  }
  if (token()) start();
  // A session that ended between the page and this question (it expired, or was ended elsewhere): back through the provider.
  else if (me?.signIn && me.problem) toSignIn();
}

void begin();
