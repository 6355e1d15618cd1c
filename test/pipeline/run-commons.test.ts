import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildFixtureWiki,
  type CommonsFixture,
  fixtureThemes,
  startCommonsFixture,
} from '../../src/commons/fixture/index.js';
import { openManifest } from '../../src/dataset/index.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { CommonsUnreachableError } from '../../src/pipeline/sources.js';
import type { Credits } from '../../src/sequencer/index.js';
import { corpusDir } from '../helpers/shared.js';
import { makeTinyWaveNetPackage } from '../helpers/tiny-wavenet.js';

let fixture: CommonsFixture;
let work: string;
let model: string;

beforeAll(async () => {
  fixture = await startCommonsFixture(buildFixtureWiki({ corpusDir: corpusDir(), perTheme: 4 }));
  work = await mkdtemp(join(tmpdir(), 'commonsynth-run-commons-'));
  model = await makeTinyWaveNetPackage(join(work, 'tiny-model'));
});

afterAll(async () => {
  await fixture?.close();
});

describe('run --theme (Commons)', () => {
  it('curates the theme, credits the Commons pages used, and records what it encoded', async () => {
    const dataDir = join(work, 'data');
    const outDir = join(work, 'out');
    const report = await runPipeline({
      source: {
        kind: 'commons',
        dataDir,
        theme: 'nature',
        contact: 'tests@example.org',
        apiUrl: fixture.apiUrl,
        config: { themes: fixtureThemes() },
      },
      outDir,
      pairs: 1,
      lengthSeconds: 4,
      seed: 3,
      model,
      storeDir: join(work, 'embeddings'),
    });
    expect(report.counts.clips).toBe(1);
    expect(report.counts.failed).toBe(0);

    const credits = JSON.parse(await readFile(join(outDir, 'credits.json'), 'utf8')) as Credits;
    expect(credits.sources).toHaveLength(2);
    const manifest = openManifest(dataDir);
    try {
      for (const source of credits.sources) {
        const file = manifest.getFile(source.sha1);
        expect(file, source.sha1).toBeDefined();
        expect(source.sourceUrl).toBe(file!.sourceUrl);
        expect(source.license).toBe(file!.license.license);
        expect(file!.status).toBe('encoded');
      }
    } finally {
      manifest.close();
    }
  });

  it('says Commons cannot be reached, and points to --source', async () => {
    const run = runPipeline({
      source: {
        kind: 'commons',
        dataDir: join(work, 'offline-data'),
        theme: 'nature',
        contact: 'tests@example.org',
        // Nothing listens on the discard port: the connection is refused.
        apiUrl: 'http://127.0.0.1:9/w/api.php',
        retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
      },
      outDir: join(work, 'offline-out'),
      pairs: 1,
      lengthSeconds: 4,
      model,
    });
    await expect(run).rejects.toBeInstanceOf(CommonsUnreachableError);
    await expect(run).rejects.toThrow(/cannot reach .*--source DIR/);
  });
});
