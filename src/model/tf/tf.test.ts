import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedPath } from '../../../test/helpers/shared.js';
import { TINY_ODD_WAVENET } from '../../../test/helpers/tiny-wavenet.js';
import { loadModelPackage } from '../package/load.js';
import { randomWaveNetWeights } from '../random-weights.js';
import type { WeightMap } from '../tensor.js';
import { H512_BO16, wavenetVariableShapes } from '../wavenet-config.js';
import { inspectTfCheckpoint, readTfCheckpointIndex, TfCheckpoint } from './bundle.js';
import {
  decodeBundleEntry,
  decodeBundleHeader,
  encodeBundleEntry,
  encodeBundleHeader,
} from './bundle-proto.js';
import { type TfTensorToWrite, writeTfCheckpoint } from './bundle-writer.js';
import { crc32cOf, maskCrc, unmaskCrc } from './crc.js';
import { TfCheckpointError } from './errors.js';
import { importTfCheckpoint, inferWaveNetConfig } from './import.js';
import { buildSSTable, readSSTable } from './sstable.js';

const REAL_INDEX = sharedPath('fixtures', 'nsynth', 'model.ckpt-200000.index');

const TINY_SHAPE_FREE = { numStages: 2, aeNumStages: 3, hop: 32 };

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'commonsynth-tf-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const bytesOf = (data: Float32Array): Buffer =>
  Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/** A training checkpoint as tf.train.Saver writes it: raw, EMA and Adam slots, plus training state. */
function trainingCheckpoint(raw: WeightMap, ema: WeightMap, globalStep: number): TfTensorToWrite[] {
  const tensors: TfTensorToWrite[] = [];
  let slotSeed = 100;
  for (const [name, tensor] of raw) {
    tensors.push({ name, shape: tensor.shape, data: tensor.data });
    tensors.push({
      name: `${name}/ExponentialMovingAverage`,
      shape: tensor.shape,
      data: (ema.get(name) as { data: Float32Array }).data,
    });
    for (const slot of ['Adam', 'Adam_1']) {
      const noise = randomWaveNetWeights(TINY_ODD_WAVENET, slotSeed++).get(name) as {
        data: Float32Array;
      };
      tensors.push({ name: `${name}/${slot}`, shape: tensor.shape, data: noise.data });
    }
  }
  tensors.push({ name: 'global_step', shape: [], data: Int32Array.of(globalStep) });
  tensors.push({ name: 'beta1_power', shape: [], data: Float32Array.of(0.9) });
  tensors.push({ name: 'beta2_power', shape: [], data: Float32Array.of(0.999) });
  return tensors;
}

async function thrown(promise: Promise<unknown>): Promise<TfCheckpointError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TfCheckpointError);
  return error as TfCheckpointError;
}

describe('the real NSynth checkpoint index', () => {
  it('lists 1495 tensors whose sizes sum to 986,763,532 bytes', async () => {
    const tensors = await inspectTfCheckpoint(REAL_INDEX);
    expect(tensors).toHaveLength(1495);
    expect(tensors.reduce((sum, t) => sum + t.size, 0)).toBe(986_763_532);
    expect(tensors.find((t) => t.name === 'dilatedconv_7/W')).toMatchObject({
      dtype: 'float32',
      shape: [1, 3, 512, 1024],
      shard: 0,
      size: 3 * 512 * 1024 * 4,
    });
    expect(
      tensors.find((t) => t.name === 'ae_bottleneck/W/ExponentialMovingAverage'),
    ).toMatchObject({
      dtype: 'float32',
      shape: [1, 1, 128, 16],
      size: 128 * 16 * 4,
    });
    expect(tensors.find((t) => t.name === 'global_step')).toMatchObject({
      dtype: 'int32',
      shape: [],
    });
    // One shard, tensors laid end to end in name order.
    let offset = 0;
    for (const tensor of tensors) {
      expect(tensor.shard).toBe(0);
      expect(tensor.offset).toBe(offset);
      offset += tensor.size;
    }
  });

  it('has a version-1 little-endian single-shard header', async () => {
    const index = await readTfCheckpointIndex(REAL_INDEX);
    expect(index.header).toEqual({
      numShards: 1,
      endianness: 'little',
      version: { producer: 1, minConsumer: 0, badConsumers: [] },
    });
    expect(index.prefix).toBe(REAL_INDEX.slice(0, -'.index'.length));
  });

  it('holds exactly the variables of wavenetVariableShapes(H512_BO16), each with its moving average', async () => {
    const tensors = await inspectTfCheckpoint(REAL_INDEX);
    expect(inferWaveNetConfig(tensors, REAL_INDEX)).toEqual(H512_BO16);
    const byName = new Map(tensors.map((t) => [t.name, t]));
    const shapes = wavenetVariableShapes(H512_BO16);
    for (const [name, shape] of shapes) {
      expect(byName.get(name)?.shape, name).toEqual(shape);
      expect(byName.get(`${name}/ExponentialMovingAverage`)?.shape, name).toEqual(shape);
      // res_30's output is unused, so it gets no gradient and Adam made no slots for it.
      const adamSlots = name.startsWith('res_30/') ? undefined : shape;
      expect(byName.get(`${name}/Adam`)?.shape, name).toEqual(adamSlots);
      expect(byName.get(`${name}/Adam_1`)?.shape, name).toEqual(adamSlots);
    }
    // Four copies of every variable (two for res_30's), global_step and Adam's two beta powers.
    expect(tensors).toHaveLength(4 * shapes.size - 4 + 3);
  });

  it('is rebuilt byte for byte by our SSTable and protobuf writers (an independent check of both)', async () => {
    const file = await readFile(REAL_INDEX);
    const entries = readSSTable(file, REAL_INDEX);
    expect(entries).toHaveLength(1496);
    expect(buildSSTable(entries).equals(file)).toBe(true);
    expect(encodeBundleHeader(decodeBundleHeader(entries[0].value)).equals(entries[0].value)).toBe(
      true,
    );
    for (const { value } of entries.slice(1))
      expect(encodeBundleEntry(decodeBundleEntry(value)).equals(value)).toBe(true);
  });

  it('says which data shard is missing when a tensor is read', async () => {
    const checkpoint = await TfCheckpoint.open(REAL_INDEX);
    const error = await thrown(checkpoint.readFloat32('logits/biases'));
    expect(error.code).toBe('TF_CHECKPOINT');
    expect(error.message).toMatch(
      /cannot open data shard 0 .*model\.ckpt-200000\.data-00000-of-00001/,
    );
    expect(error.shard).toBe(0);
    await checkpoint.close();
  });
});

describe('CRC32C and TensorFlow masking', () => {
  it('matches the standard check value and round-trips the mask', () => {
    expect(crc32cOf(Buffer.from('123456789'))).toBe(0xe3069283);
    // Mask = rotate right 15, add 0xa282ead8 (computed by hand for the check value).
    const rotated = ((0xe3069283 >>> 15) | (0xe3069283 << 17)) >>> 0;
    expect(maskCrc(0xe3069283)).toBe((rotated + 0xa282ead8) % 2 ** 32);
    for (const crc of [0, 1, 0xffffffff, 0xe3069283, 0x80000000])
      expect(unmaskCrc(maskCrc(crc))).toBe(crc);
  });
});

describe('a checkpoint written in TensorFlow format', () => {
  const raw = randomWaveNetWeights(TINY_ODD_WAVENET, 11);
  const ema = randomWaveNetWeights(TINY_ODD_WAVENET, 12);
  let prefix: string;
  beforeAll(async () => {
    prefix = join(root, 'train', 'model.ckpt-1234');
    await writeTfCheckpoint(prefix, trainingCheckpoint(raw, ema, 1234));
  });

  it('imports exactly: raw by default, moving averages with ema', async () => {
    for (const [useEma, expected] of [
      [false, raw],
      [true, ema],
    ] as const) {
      const out = join(root, useEma ? 'pkg-ema' : 'pkg-raw');
      const progress: number[] = [];
      const result = await importTfCheckpoint(`${prefix}.index`, out, {
        ...TINY_SHAPE_FREE,
        ema: useEma,
        onProgress: (done) => progress.push(done),
      });
      expect(result.weightsKind).toBe(useEma ? 'ema' : 'raw');
      expect(result.tensors).toBe(wavenetVariableShapes(TINY_ODD_WAVENET).size);
      expect(progress.at(-1)).toBe(result.bytes);
      const loaded = await loadModelPackage(out);
      if (loaded.family !== 'wavenet-ae') throw new Error('wrong family');
      expect(loaded.wavenet).toEqual(TINY_ODD_WAVENET);
      expect(loaded.config).toMatchObject({
        name: 'wavenet-import',
        version: '1234',
        weights: useEma ? 'ema' : 'raw',
      });
      expect(loaded.weights.size).toBe(expected.size);
      for (const [name, tensor] of expected) {
        expect(loaded.weights.get(name)?.shape).toEqual(tensor.shape);
        expect(
          bytesOf(loaded.weights.get(name)?.data as Float32Array).equals(bytesOf(tensor.data)),
          name,
        ).toBe(true);
      }
    }
  });

  it('reads the same from many small blocks and several shards', async () => {
    const sharded = join(root, 'sharded', 'model.ckpt-1234');
    await writeTfCheckpoint(sharded, trainingCheckpoint(raw, ema, 1234), {
      numShards: 3,
      blockSize: 256,
    });
    const index = await readTfCheckpointIndex(sharded);
    expect(index.header.numShards).toBe(3);
    expect(new Set(index.tensors.map((t) => t.shard))).toEqual(new Set([0, 1, 2]));
    // Small blocks: the index block holds many data block handles.
    const entries = readSSTable(await readFile(`${sharded}.index`), sharded);
    expect(entries).toHaveLength(index.tensors.length + 1);
    const out = join(root, 'pkg-sharded');
    await importTfCheckpoint(sharded, out, { ...TINY_SHAPE_FREE, ema: true });
    const loaded = await loadModelPackage(out);
    if (loaded.family !== 'wavenet-ae') throw new Error('wrong family');
    for (const [name, tensor] of ema)
      expect(
        bytesOf(loaded.weights.get(name)?.data as Float32Array).equals(bytesOf(tensor.data)),
      ).toBe(true);
  });

  it('fails the CRC check on a flipped byte in the data shard, naming tensor and shard', async () => {
    const damaged = join(root, 'damaged-data', 'model.ckpt-1234');
    await writeTfCheckpoint(damaged, trainingCheckpoint(raw, ema, 1234));
    const index = await readTfCheckpointIndex(damaged);
    const victim = index.tensors.find((t) => t.name === 'res_2/W') as {
      offset: number;
      size: number;
    };
    const shardPath = `${damaged}.data-00000-of-00001`;
    const shard = await readFile(shardPath);
    shard[victim.offset + 5] ^= 0x10;
    await writeFile(shardPath, shard);
    const out = join(root, 'pkg-damaged');
    const error = await thrown(importTfCheckpoint(damaged, out, TINY_SHAPE_FREE));
    expect(error.code).toBe('TF_CHECKSUM');
    expect(error.tensor).toBe('res_2/W');
    expect(error.shard).toBe(0);
    expect(error.file).toBe(shardPath);
    expect(error.message).toMatch(
      /tensor "res_2\/W" \(shard 0, .*\) fails its CRC32C check .*the data file is damaged/,
    );
    // Nothing half-imported is left behind.
    await expect(access(join(out, 'config.json'))).rejects.toThrow();
    // The moving averages are intact, so an EMA import still works.
    await importTfCheckpoint(damaged, out, { ...TINY_SHAPE_FREE, ema: true });
  });

  it('fails the block CRC check on a flipped byte in the index', async () => {
    const damaged = join(root, 'damaged-index', 'model.ckpt-1234');
    await writeTfCheckpoint(damaged, trainingCheckpoint(raw, ema, 1234));
    const index = await readFile(`${damaged}.index`);
    const at = index.indexOf(Buffer.from('dilatedconv_3'));
    index[at + 2] ^= 0x01;
    await writeFile(`${damaged}.index`, index);
    const error = await thrown(inspectTfCheckpoint(`${damaged}.index`));
    expect(error.code).toBe('TF_CHECKSUM');
    expect(error.file).toBe(`${damaged}.index`);
    expect(error.message).toMatch(
      /data block at offset 0 \(\d+ bytes\) fails its CRC32C check .*the index file is damaged/,
    );
  });

  it('names truncated shards, foreign files, Snappy blocks and missing or foreign variables', async () => {
    const base = join(root, 'bad');
    // Truncated data shard.
    const truncated = join(base, 'truncated', 'model.ckpt-1');
    await writeTfCheckpoint(truncated, trainingCheckpoint(raw, ema, 1));
    const shardPath = `${truncated}.data-00000-of-00001`;
    const shard = await readFile(shardPath);
    await writeFile(shardPath, shard.subarray(0, shard.byteLength - 100));
    let error = await thrown(importTfCheckpoint(truncated, join(base, 'out1'), TINY_SHAPE_FREE));
    expect(error.message).toMatch(/but the shard has only \d+ bytes: the data file is truncated/);

    // Not an SSTable at all.
    await writeFile(join(base, 'junk.index'), Buffer.alloc(100, 7));
    error = await thrown(inspectTfCheckpoint(join(base, 'junk.index')));
    expect(error.message).toMatch(/not a TensorFlow checkpoint index \(bad SSTable magic number\)/);

    // A Snappy-compressed block (type byte 1, CRC recomputed so only the type is at fault).
    const snappy = join(base, 'snappy', 'model.ckpt-1');
    await writeTfCheckpoint(snappy, trainingCheckpoint(raw, ema, 1));
    const index = await readFile(`${snappy}.index`);
    const blockSize = firstBlockSize(index);
    index[blockSize] = 1;
    index.writeUInt32LE(maskCrc(crc32cOf(index.subarray(0, blockSize + 1))), blockSize + 1);
    await writeFile(`${snappy}.index`, index);
    error = await thrown(inspectTfCheckpoint(snappy));
    expect(error.message).toMatch(/Snappy-compressed, which commonsynth does not read/);

    // A variable of the family missing; a variable foreign to it.
    const missing = trainingCheckpoint(raw, ema, 1).filter((t) => t.name !== 'cond_map_2/W');
    await writeTfCheckpoint(join(base, 'missing', 'model.ckpt-1'), missing);
    error = await thrown(
      importTfCheckpoint(
        join(base, 'missing', 'model.ckpt-1'),
        join(base, 'out2'),
        TINY_SHAPE_FREE,
      ),
    );
    expect(error.tensor).toBe('cond_map_2/W');
    expect(error.message).toMatch(/variable "cond_map_2\/W" of the WaveNet family is missing/);
    const foreign = [
      ...trainingCheckpoint(raw, ema, 1),
      { name: 'attention/W', shape: [2], data: Float32Array.of(1, 2) },
    ];
    await writeTfCheckpoint(join(base, 'foreign', 'model.ckpt-1'), foreign);
    error = await thrown(
      importTfCheckpoint(
        join(base, 'foreign', 'model.ckpt-1'),
        join(base, 'out3'),
        TINY_SHAPE_FREE,
      ),
    );
    expect(error.message).toMatch(
      /1 variable\(s\) that the WaveNet autoencoder family does not have \("attention\/W"\)/,
    );

    // No moving averages, --ema asked.
    const noEma = trainingCheckpoint(raw, ema, 1).filter(
      (t) => !t.name.endsWith('/ExponentialMovingAverage'),
    );
    await writeTfCheckpoint(join(base, 'noema', 'model.ckpt-1'), noEma);
    error = await thrown(
      importTfCheckpoint(join(base, 'noema', 'model.ckpt-1'), join(base, 'out4'), {
        ...TINY_SHAPE_FREE,
        ema: true,
      }),
    );
    expect(error.message).toMatch(
      /the moving average "ae_startconv\/W\/ExponentialMovingAverage" is missing/,
    );

    // No index at all.
    error = await thrown(inspectTfCheckpoint(join(base, 'nowhere', 'model.ckpt-5')));
    expect(error.message).toMatch(/no checkpoint index at .*model\.ckpt-5\.index/);
  });
});

/**
 * The size of the first data block, which starts at offset 0: the smallest n where a valid
 * 5-byte trailer (type 0, CRC of the n bytes and the type) begins. Found without our reader.
 */
function firstBlockSize(index: Buffer): number {
  for (let n = 0; n + 5 <= index.byteLength; n++) {
    if (
      index[n] === 0 &&
      unmaskCrc(index.readUInt32LE(n + 1)) === crc32cOf(index.subarray(0, n + 1))
    )
      return n;
  }
  throw new Error('no block trailer found');
}
