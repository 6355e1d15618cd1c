import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../../test/helpers/cli.js';
import { sharedPath } from '../../../test/helpers/shared.js';
import { TINY_ODD_WAVENET } from '../../../test/helpers/tiny-wavenet.js';
import { loadModelPackage } from '../../model/package/load.js';
import { randomWaveNetWeights } from '../../model/random-weights.js';
import { readTfCheckpointIndex } from '../../model/tf/bundle.js';
import { writeTfCheckpoint } from '../../model/tf/bundle-writer.js';

let root: string;
let prefix: string;
const raw = randomWaveNetWeights(TINY_ODD_WAVENET, 21);
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'commonsynth-model-cli-'));
  prefix = join(root, 'ckpt', 'model.ckpt-77');
  const ema = randomWaveNetWeights(TINY_ODD_WAVENET, 22);
  await writeTfCheckpoint(prefix, [
    ...[...raw].map(([name, t]) => ({ name, shape: t.shape, data: t.data })),
    ...[...ema].map(([name, t]) => ({
      name: `${name}/ExponentialMovingAverage`,
      shape: t.shape,
      data: t.data,
    })),
  ]);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('commonsynth model inspect-tf', () => {
  it('lists the real NSynth index as JSON with exactly the documented fields', async () => {
    const { code, out } = await cli(
      'model',
      'inspect-tf',
      sharedPath('fixtures', 'nsynth', 'model.ckpt-200000.index'),
      '--json',
    );
    expect(code).toBe(0);
    const rows = JSON.parse(out) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(1495);
    expect(rows.reduce((sum, r) => sum + (r.size as number), 0)).toBe(986_763_532);
    expect(rows.find((r) => r.name === 'dilatedconv_7/W')).toEqual({
      name: 'dilatedconv_7/W',
      dtype: 'float32',
      shape: [1, 3, 512, 1024],
      shard: 0,
      offset: expect.any(Number),
      size: 6_291_456,
    });
    for (const row of rows)
      expect(Object.keys(row)).toEqual(['name', 'dtype', 'shape', 'shard', 'offset', 'size']);
  });

  it('prints a table and a summary', async () => {
    const { code, out } = await cli(
      'model',
      'inspect-tf',
      sharedPath('fixtures', 'nsynth', 'model.ckpt-200000'),
    );
    expect(code).toBe(0);
    expect(out).toMatch(
      /^ae_bottleneck\/W\/ExponentialMovingAverage +float32 +\[1,1,128,16\] +0 +24576 +8192$/m,
    );
    expect(out).toMatch(
      /1495 tensors, 986763532 bytes \(941 MiB\) in 1 shard\(s\), little-endian, bundle version 1/,
    );
  });
});

describe('commonsynth model import-tf', () => {
  it('imports raw or EMA weights into a package', async () => {
    const out = join(root, 'pkg');
    const result = await cli(
      'model',
      'import-tf',
      `${prefix}.index`,
      '--out',
      out,
      '--stages',
      '2',
      '--ae-stages',
      '3',
      '--hop',
      '32',
      '--ema',
      '--name',
      'tiny',
    );
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/imported 58 tensors \(\d+\.\d KiB, ema weights\)/);
    expect(result.out).toMatch(
      /tiny 77, wavenet-ae \(decoder 4x8, skip 6; encoder 3x5; 4-dim embeddings every 32 samples at 16000 Hz\)/,
    );
    const loaded = await loadModelPackage(out);
    expect(loaded.config).toMatchObject({ name: 'tiny', version: '77', weights: 'ema' });
  });

  it('exits 2 on bad options and 1 with a clear message on a damaged checkpoint', async () => {
    let result = await cli('model', 'import-tf', prefix, '--out', join(root, 'x'), '--stages', '0');
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/--stages must be a positive integer, got 0/);

    const shard = `${prefix}.data-00000-of-00001`;
    const bytes = await readFile(shard);
    const victim = (await readTfCheckpointIndex(prefix)).tensors.find(
      (t) => t.name === 'logits/W',
    ) as { offset: number };
    bytes[victim.offset] ^= 0xff;
    await writeFile(shard, bytes);
    try {
      result = await cli(
        'model',
        'import-tf',
        prefix,
        '--out',
        join(root, 'y'),
        '--stages',
        '2',
        '--ae-stages',
        '3',
        '--hop',
        '32',
      );
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/tensor "logits\/W" .* fails its CRC32C check/);
    } finally {
      bytes[victim.offset] ^= 0xff;
      await writeFile(shard, bytes);
    }
  });
});

describe('commonsynth model fetch', () => {
  it('refuses unknown models and explains an unreachable server', async () => {
    let result = await cli('model', 'fetch', 'gpt');
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/unknown model "gpt"; known: nsynth/);

    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    result = await cli(
      'model',
      'fetch',
      'nsynth',
      '--dir',
      join(root, 'models', 'nsynth'),
      '--url',
      `http://127.0.0.1:${port}/wavenet-ckpt.tar`,
      '--retries',
      '0',
    );
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*are you offline\?/);
    expect(result.err).toMatch(
      /commonsynth model import-tf <unpacked folder>\/model\.ckpt-200000 --out .*models\/nsynth/,
    );
  });
});
