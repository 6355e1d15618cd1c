import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type RunEvent, runPipeline } from '../../src/pipeline/run.js';
import { corpusDir } from '../helpers/shared.js';
import { makeTinyWaveNetPackage } from '../helpers/tiny-wavenet.js';

let work: string;
let model: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-run-state-'));
  model = await makeTinyWaveNetPackage(join(work, 'tiny'));
});

const states = async (dir: string) =>
  (await readdir(dir)).filter((name) => name.startsWith('.synth-'));

function nature(outDir: string, seed: number, extra: Partial<Parameters<typeof runPipeline>[0]>) {
  return runPipeline({
    source: { kind: 'folder', dir: join(corpusDir(), 'audio', 'nature') },
    outDir,
    pairs: 1,
    lengthSeconds: 2,
    clipSeconds: 2,
    seed,
    model,
    storeDir: join(work, 'store'),
    ...extra,
  });
}

describe('a WaveNet run stopped mid-synthesis (issue 12 #4)', () => {
  it('leaves state that a later run with other options discards with a notice, not an error', async () => {
    const outDir = join(work, 'out');
    const controller = new AbortController();
    // Stopped once synthesis is under way; the generator saves its state first.
    const stopped = nature(outDir, 1, {
      checkpointSeconds: 0.001,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'progress' && event.stage === 'synth' && event.done > 0) {
          controller.abort();
        }
      },
    });
    await expect(stopped).rejects.toThrow(/state saved/);
    const left = await states(outDir);
    expect(left).toHaveLength(1);

    // Another job (another seed: other recipes) into the same --out.
    const events: RunEvent[] = [];
    const report = await nature(outDir, 2, { onEvent: (e) => events.push(e) });
    expect(report.counts.clips).toBe(1);
    expect(existsSync(join(outDir, 'track.wav'))).toBe(true);
    const notices = events.filter((e) => e.type === 'notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ stage: 'synth' });
    expect((notices[0] as { message: string }).message).toContain(left[0]);
    expect(await states(outDir)).toEqual([]);
  });
});
