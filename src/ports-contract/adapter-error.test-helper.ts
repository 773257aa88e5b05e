/**
 * @module What the port contracts expect of a failure: the AdapterError a promise must reject with
 * (errors.ts), and its message on one line. Only vitest and the error family: no implementation.
 */
import { expect } from 'vitest';
import { AdapterError } from '../errors.ts';

/** The AdapterError `p` rejects with; fails the test when it resolves or rejects with anything else. */
export async function adapterErrorOf(p: Promise<unknown>): Promise<AdapterError> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  if (error === undefined) throw new Error('expected an AdapterError, and the promise resolved');
  expect(error, `expected an AdapterError, got ${String(error)}`).toBeInstanceOf(AdapterError);
  expect((error as Error).message).not.toMatch(/[\r\n]/);
  return error as AdapterError;
}

/** Fails when `text` holds `secret` or any 8 characters of it in a row (a secret cut in two still leaks). */
export function expectNothingOf(secret: string, text: string): void {
  for (let i = 0; i + 8 <= secret.length; i++) {
    if (text.includes(secret.slice(i, i + 8))) throw new Error(`"${secret.slice(i, i + 8)}" of the secret survived in: ${text}`);
  }
  expect(text).not.toContain(secret);
}
