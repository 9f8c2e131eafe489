// Where tests leave what helps diagnose a failure: hub logs, browser console logs, screenshots.
// tests/e2e/artifacts/ is git-ignored.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = join(E2E_DIR, '..', '..');
export const ARTIFACTS_DIR = process.env.E2E_ARTIFACTS_DIR || join(E2E_DIR, 'artifacts');

/** A file name made from a test name: letters, digits, '-', '_' and '.' only. */
export function slug(name) {
  return String(name).replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'test';
}

/** Path of an artifact file, creating the artifacts folder if needed. */
export function artifactPath(name) {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reject after ms with a message naming what was awaited; the timer never keeps node alive. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
