import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFile } from 'music-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIO_FORMATS } from '../../src/audio/index.js';
import { runPipeline } from '../../src/pipeline/run.js';
import type { Credits } from '../../src/sequencer/index.js';
import { corpusDir } from '../helpers/shared.js';
import { makeTinyWaveNetPackage } from '../helpers/tiny-wavenet.js';

/** A real decoder: ffmpeg (CI installs it; .ci/run). */
const FFMPEG = ['/usr/bin/ffmpeg', '/usr/local/bin/ffmpeg'].find((p) => existsSync(p));

let work: string;
let model: string;
const LENGTH = 6;
const RATE = 16000;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-run-formats-'));
  model = await makeTinyWaveNetPackage(join(work, 'tiny-model'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('run --format', () => {
  // One output folder: the first run synthesises the clips, the others reuse them.
  for (const format of AUDIO_FORMATS) {
    it.skipIf(!FFMPEG)(
      `writes track.${format} that ffmpeg plays in full, credits inside`,
      async () => {
        const out = join(work, 'out');
        const report = await runPipeline({
          source: { kind: 'folder', dir: join(corpusDir(), 'audio', 'nature') },
          outDir: out,
          pairs: 2,
          lengthSeconds: LENGTH,
          seed: 3,
          model,
          storeDir: join(work, 'embeddings'),
          format,
        });
        expect(report.track).toBe(`track.${format}`);
        const path = join(out, report.track);
        // Decoding to the end with errors fatal: a damaged or cut stream fails here.
        const pcm = execFileSync(FFMPEG!, [
          '-v',
          'error',
          '-xerror',
          '-i',
          path,
          '-f',
          's16le',
          '-ac',
          '1',
          '-ar',
          String(RATE),
          '-',
        ]);
        const seconds = pcm.length / 2 / RATE;
        // Within one codec frame (20 ms Opus, 36 ms MP3 at 16 kHz) of the asked length.
        expect(Math.abs(seconds - LENGTH)).toBeLessThan(0.04);
        const tags = await parseFile(path);
        expect(tags.common.artist).toBe('commonsynth');
        // Every source credited in credits.json is credited inside the file.
        const credits = JSON.parse(await readFile(join(out, 'credits.json'), 'utf8')) as Credits;
        const inside = JSON.stringify(tags.native);
        expect(credits.sources.length).toBeGreaterThan(0);
        for (const source of credits.sources) expect(inside).toContain(source.author);
      },
    );
  }
});
