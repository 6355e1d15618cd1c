import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CorpusRow, readCorpusManifest } from '../../src/commons/fixture/wiki.js';

/** The repository root (the folder holding package.json). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The shared data folder (`../shared` beside the project's root). Tests read the corpus and
 * fixtures from there and never copy them into the repo. COMMONSYNTH_SHARED overrides it.
 */
export function sharedDir(): string {
  const candidates = [
    process.env.COMMONSYNTH_SHARED,
    resolve(repoRoot, '..', 'shared'),
    resolve(repoRoot, 'shared'),
  ].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    if (existsSync(join(candidate, 'corpus', 'manifest.csv'))) return candidate;
  }
  throw new Error(`shared data not found; looked in: ${candidates.join(', ')}`);
}

export function sharedPath(...parts: string[]): string {
  return join(sharedDir(), ...parts);
}

export const corpusDir = (): string => sharedPath('corpus');
export const codecsDir = (): string => sharedPath('corpus', 'fixtures', 'codecs');

/** Rows of `../shared/corpus/manifest.csv`, with `file` relative to the corpus folder. */
export function corpusManifest(): CorpusRow[] {
  return readCorpusManifest(corpusDir());
}
