/**
 * @module The few pages of signing in that are not the dashboard: a sign-in refused (with why, and
 * a link to try again) and signed out. Server-rendered, the dashboard's stylesheet, no script.
 */
import { html, type SafeHtml } from '../dashboard/html.ts';

/** As strict as the dashboard's: nothing from elsewhere, no script at all. */
export const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Meridian</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/dashboard.css">
</head>
<body>
<header class="top"><a class="brand" href="/">Meridian</a></header>
<main id="main">
<h1 id="title">${title}</h1>
${body}
</main>
</body>
</html>
`.text;
}

/** A sign-in that did not succeed: what went wrong, in words for the person. */
export function signInRefusedPage(message: string): string {
  return page('Sign-in refused', html`<p class="error" role="alert" id="sign-in-problem">${message}</p>
<p><a class="button primary" href="/auth/login">Sign in again</a></p>`);
}

export function signedOutPage(): string {
  return page('Signed out', html`<p id="signed-out">You are signed out of Meridian. Your identity provider may still have you signed in; sign out there too on a shared computer.</p>
<p><a class="button primary" href="/auth/login">Sign in again</a></p>`);
}
