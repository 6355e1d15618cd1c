import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir, corpusManifest } from './shared.js';

describe('shared data helper', () => {
  it('finds the corpus and every file its manifest names', () => {
    const rows = corpusManifest();
    expect(rows.length).toBeGreaterThan(100);
    for (const row of rows) expect(existsSync(join(corpusDir(), row.file))).toBe(true);
  });
});
