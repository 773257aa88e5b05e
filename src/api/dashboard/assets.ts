/**
 * @module The dashboard's static files (stylesheet, client script, icon), read once from the
 * assets folder beside this module and served with their content types.
 */
import { readFileSync } from 'node:fs';

export interface Asset {
  body: string;
  type: string;
}

const read = (name: string): string => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');

export function loadAssets(): Map<string, Asset> {
  return new Map([
    ['dashboard.css', { body: read('dashboard.css'), type: 'text/css; charset=utf-8' }],
    ['dashboard.js', { body: read('dashboard.js'), type: 'text/javascript; charset=utf-8' }],
    ['favicon.svg', { body: read('favicon.svg'), type: 'image/svg+xml' }],
  ]);
}
