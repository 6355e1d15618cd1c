/**
 * Writing TensorFlow tensor bundles in TensorFlow's exact format: used by the tests to build
 * checkpoints of small presets, and usable to hand commonsynth weights back to TensorFlow.
 * The index is built like TensorFlow's BundleWriter builds it (uncompressed SSTable, default block
 * size and restart interval, header under the empty key), so that the same tensors give the same
 * index bytes; data are written in name order, one tensor after another, as tf.train.Saver does.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { elementCount } from '../tensor.js';
import { TF_DTYPE_CODES, tfShardPath } from './bundle.js';
import { encodeBundleEntry, encodeBundleHeader } from './bundle-proto.js';
import { crc32cOf, maskCrc } from './crc.js';
import { TfCheckpointError } from './errors.js';
import { buildSSTable, type SSTableWriteOptions } from './sstable.js';

export interface TfTensorToWrite {
  name: string;
  shape: number[];
  /** float32, int32 or int64 values, row-major; the array type sets the dtype. */
  data: Float32Array | Int32Array | BigInt64Array;
}

export interface WriteTfCheckpointOptions extends SSTableWriteOptions {
  /** Spread tensors over this many data shards, round-robin in name order (default 1). */
  numShards?: number;
}

function dtypeOf(data: TfTensorToWrite['data']): string {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'int64';
}

/** Little-endian bytes of a typed array (TensorFlow writes bundles in host order; we pick little). */
function littleEndianBytes(data: TfTensorToWrite['data']): Buffer {
  if (endianness() === 'LE')
    return Buffer.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const out = Buffer.alloc(data.length * data.BYTES_PER_ELEMENT);
  data.forEach((value: number | bigint, i: number) => {
    if (data instanceof Float32Array) out.writeFloatLE(value as number, 4 * i);
    else if (data instanceof Int32Array) out.writeInt32LE(value as number, 4 * i);
    else out.writeBigInt64LE(value as bigint, 8 * i);
  });
  return out;
}

/** Writes `<prefix>.index` and `<prefix>.data-0000i-of-0000n`. */
export async function writeTfCheckpoint(
  prefix: string,
  tensors: readonly TfTensorToWrite[],
  options: WriteTfCheckpointOptions = {},
): Promise<void> {
  const numShards = options.numShards ?? 1;
  if (!Number.isSafeInteger(numShards) || numShards < 1) {
    throw new TfCheckpointError(`numShards must be a positive integer, got ${numShards}`);
  }
  const sorted = [...tensors].sort((a, b) =>
    Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)),
  );
  const shards: Buffer[][] = Array.from({ length: numShards }, () => []);
  const shardSizes = new Array<number>(numShards).fill(0);
  const entries = [
    {
      key: Buffer.alloc(0),
      value: encodeBundleHeader({
        numShards,
        endianness: 0,
        version: { producer: 1, minConsumer: 0, badConsumers: [] },
      }),
    },
  ];
  sorted.forEach((tensor, i) => {
    if (tensor.name === '')
      throw new TfCheckpointError(
        'a tensor name must not be empty (the empty key holds the header)',
      );
    if (i > 0 && sorted[i - 1].name === tensor.name)
      throw new TfCheckpointError(`duplicate tensor name "${tensor.name}"`);
    if (tensor.data.length !== elementCount(tensor.shape)) {
      throw new TfCheckpointError(
        `tensor "${tensor.name}" has ${tensor.data.length} values but shape [${tensor.shape}]`,
        {
          tensor: tensor.name,
        },
      );
    }
    const shard = i % numShards;
    const bytes = littleEndianBytes(tensor.data);
    entries.push({
      key: Buffer.from(tensor.name, 'utf8'),
      value: encodeBundleEntry({
        dtype: TF_DTYPE_CODES.get(dtypeOf(tensor.data)) as number,
        shape: { dim: tensor.shape.map((size) => ({ size, name: '' })), unknownRank: false },
        shardId: shard,
        offset: shardSizes[shard],
        size: bytes.byteLength,
        crc32c: maskCrc(crc32cOf(bytes)),
      }),
    });
    shards[shard].push(bytes);
    shardSizes[shard] += bytes.byteLength;
  });
  await mkdir(dirname(prefix), { recursive: true });
  for (let shard = 0; shard < numShards; shard++) {
    await writeFile(tfShardPath(prefix, shard, numShards), Buffer.concat(shards[shard]));
  }
  await writeFile(`${prefix}.index`, buildSSTable(entries, options));
}
