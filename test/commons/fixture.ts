import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildFixtureWiki,
  type CommonsFixture,
  type FixtureServerOptions,
  type FixtureWiki,
  startCommonsFixture,
} from '../../src/commons/fixture/index.js';
import type { RetryPolicy } from '../../src/commons/politeness.js';
import { corpusDir } from '../helpers/shared.js';

export const CONTACT = 'tests@commonsynth.invalid';

/** Backoff shrunk so retry tests stay fast; server-requested waits (Retry-After) are kept. */
export const FAST_BACKOFF: Partial<RetryPolicy> = { baseDelayMs: 5, maxDelayMs: 20 };

let cachedWiki: FixtureWiki | undefined;

/** The fake wiki built from the shared corpus (built once per test file). */
export function fixtureWiki(): FixtureWiki {
  cachedWiki ??= buildFixtureWiki({ corpusDir: corpusDir() });
  return cachedWiki;
}

export function startFixture(options: FixtureServerOptions = {}): Promise<CommonsFixture> {
  return startCommonsFixture(fixtureWiki(), options);
}

/** A fresh temporary folder; removed by the returned cleanup. */
export function tempDir(prefix = 'commonsynth-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
