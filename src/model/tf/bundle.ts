/**
 * Reading TensorFlow tensor bundles (the V2 checkpoint format): `<prefix>.index`, an SSTable
 * mapping each tensor name to a BundleEntryProto (dtype, shape, shard, offset, size, masked
 * CRC32C), with a BundleHeaderProto under the empty key; and the data shards
 * `<prefix>.data-<shard>-of-<count>` (5 digits each) holding the tensors' raw bytes.
 */
import { type FileHandle, open, readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Tensor } from '../tensor.js';
import { elementCount } from '../tensor.js';
import { type BundleEntry, decodeBundleEntry, decodeBundleHeader } from './bundle-proto.js';
import { crc32cOf, hex32, unmaskCrc } from './crc.js';
import { TfCheckpointError } from './errors.js';
import { readSSTable } from './sstable.js';

/** TensorFlow DataType codes and names (tensorflow/core/framework/types.proto). */
const DTYPES: ReadonlyArray<readonly [code: number, name: string, bytes: number]> = [
  [1, 'float32', 4],
  [2, 'float64', 8],
  [3, 'int32', 4],
  [4, 'uint8', 1],
  [5, 'int16', 2],
  [6, 'int8', 1],
  [7, 'string', 0],
  [8, 'complex64', 8],
  [9, 'int64', 8],
  [10, 'bool', 1],
  [11, 'qint8', 1],
  [12, 'quint8', 1],
  [13, 'qint32', 4],
  [14, 'bfloat16', 2],
  [15, 'qint16', 2],
  [16, 'quint16', 2],
  [17, 'uint16', 2],
  [18, 'complex128', 16],
  [19, 'float16', 2],
  [20, 'resource', 0],
  [21, 'variant', 0],
  [22, 'uint32', 4],
  [23, 'uint64', 8],
];
const DTYPE_NAMES = new Map(DTYPES.map(([code, name]) => [code, name]));
export const TF_DTYPE_CODES: ReadonlyMap<string, number> = new Map(
  DTYPES.map(([code, name]) => [name, code]),
);

export function tfDTypeName(code: number): string {
  return DTYPE_NAMES.get(code) ?? `DT_${code}`;
}

/** This reader's bundle version: TensorFlow's kTensorBundleVersion. */
const READER_VERSION = 1;
const HOST_IS_LITTLE_ENDIAN = endianness() === 'LE';

export interface TfTensorInfo {
  name: string;
  /** TensorFlow's dtype name ("float32", "int64", …; "DT_<n>" for codes this reader does not know). */
  dtype: string;
  shape: number[];
  shard: number;
  /** Byte offset in the shard. */
  offset: number;
  /** Bytes in the shard. */
  size: number;
  /** The CRC32C of the bytes, masked, as stored in the index. */
  crc32c: number;
  /** Partitioned variables keep their data in slice entries; commonsynth does not read those. */
  sliced: boolean;
}

export interface TfBundleHeader {
  numShards: number;
  endianness: 'little' | 'big';
  version: { producer: number; minConsumer: number; badConsumers: number[] };
}

export interface TfCheckpointIndex {
  /** The checkpoint prefix: the index is `<prefix>.index`. */
  prefix: string;
  indexPath: string;
  header: TfBundleHeader;
  /** Every tensor, in the index's (bytewise name) order. */
  tensors: TfTensorInfo[];
}

/** The name of shard `shard` of `count`, as TensorFlow's DataFilename writes it. */
export function tfShardPath(prefix: string, shard: number, count: number): string {
  return `${prefix}.data-${String(shard).padStart(5, '0')}-of-${String(count).padStart(5, '0')}`;
}

/** Accepts `<prefix>`, `<prefix>.index` or a data shard's path; returns the prefix. */
export function tfCheckpointPrefix(path: string): string {
  if (path.endsWith('.index')) return path.slice(0, -'.index'.length);
  const shard = /\.data-\d{5}-of-\d{5}$/.exec(path);
  return shard ? path.slice(0, shard.index) : path;
}

/** Reads and checks a checkpoint's index. `path` is the prefix, the `.index` file or a shard. */
export async function readTfCheckpointIndex(path: string): Promise<TfCheckpointIndex> {
  const prefix = tfCheckpointPrefix(path);
  const indexPath = `${prefix}.index`;
  let bytes: Buffer;
  try {
    bytes = await readFile(indexPath);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new TfCheckpointError(
      missing
        ? `no checkpoint index at ${indexPath} (give the checkpoint prefix, e.g. ${join(dirname(prefix), 'model.ckpt-200000')}, or its .index file)`
        : `cannot read ${indexPath}: ${(error as Error).message}`,
      { file: indexPath, cause: error },
    );
  }
  const fail = (message: string, tensor?: string): never => {
    throw new TfCheckpointError(`${indexPath}: ${message}`, { file: indexPath, tensor });
  };
  const entries = readSSTable(bytes, indexPath);
  if (entries.length === 0 || entries[0].key.byteLength !== 0) {
    fail('no bundle header (the entry with the empty key): not a TensorFlow V2 checkpoint index');
  }
  let rawHeader: ReturnType<typeof decodeBundleHeader>;
  try {
    rawHeader = decodeBundleHeader(entries[0].value);
  } catch (error) {
    return fail(`the bundle header is not a BundleHeaderProto (${(error as Error).message})`);
  }
  const { version } = rawHeader;
  if (version.minConsumer > READER_VERSION || version.badConsumers.includes(READER_VERSION)) {
    fail(
      `the bundle needs a newer reader (producer ${version.producer}, min consumer ${version.minConsumer})`,
    );
  }
  if (rawHeader.numShards < 1) fail(`the bundle header says ${rawHeader.numShards} shards`);
  const header: TfBundleHeader = {
    numShards: rawHeader.numShards,
    endianness: rawHeader.endianness === 1 ? 'big' : 'little',
    version,
  };
  const tensors: TfTensorInfo[] = [];
  for (const { key, value } of entries.slice(1)) {
    const name = key.toString('utf8');
    let entry: BundleEntry;
    try {
      entry = decodeBundleEntry(value);
    } catch (error) {
      return fail(
        `the entry of tensor "${name}" is not a BundleEntryProto (${(error as Error).message})`,
        name,
      );
    }
    if (entry.shape.unknownRank) fail(`tensor "${name}" has an unknown rank`, name);
    if (entry.shardId < 0 || entry.shardId >= header.numShards) {
      fail(
        `tensor "${name}" is in shard ${entry.shardId} of a ${header.numShards}-shard bundle`,
        name,
      );
    }
    tensors.push({
      name,
      dtype: tfDTypeName(entry.dtype),
      shape: entry.shape.dim.map((d) => d.size),
      shard: entry.shardId,
      offset: entry.offset,
      size: entry.size,
      crc32c: entry.crc32c >>> 0,
      sliced: entry.slices.length > 0,
    });
  }
  return { prefix, indexPath, header, tensors };
}

/** Every tensor of a checkpoint: name, dtype, shape, shard, offset and size. */
export async function inspectTfCheckpoint(indexPath: string): Promise<TfTensorInfo[]> {
  return (await readTfCheckpointIndex(indexPath)).tensors;
}

/**
 * An open checkpoint: its index, and its data shards opened on first use. Every read checks the
 * tensor's CRC32C. Close it when done.
 */
export class TfCheckpoint {
  private readonly byName: Map<string, TfTensorInfo>;
  private readonly shards = new Map<number, Promise<{ handle: FileHandle; size: number }>>();

  private constructor(readonly index: TfCheckpointIndex) {
    this.byName = new Map(index.tensors.map((t) => [t.name, t]));
  }

  static async open(path: string): Promise<TfCheckpoint> {
    return new TfCheckpoint(await readTfCheckpointIndex(path));
  }

  get prefix(): string {
    return this.index.prefix;
  }

  get tensors(): TfTensorInfo[] {
    return this.index.tensors;
  }

  get(name: string): TfTensorInfo | undefined {
    return this.byName.get(name);
  }

  shardPath(shard: number): string {
    return tfShardPath(this.prefix, shard, this.index.header.numShards);
  }

  private require(name: string): TfTensorInfo {
    const info = this.byName.get(name);
    if (info === undefined) {
      throw new TfCheckpointError(`${this.index.indexPath}: no tensor named "${name}"`, {
        file: this.index.indexPath,
        tensor: name,
      });
    }
    if (info.sliced) {
      throw new TfCheckpointError(
        `${this.index.indexPath}: tensor "${name}" is a partitioned variable (stored in slices), which commonsynth does not read`,
        { file: this.index.indexPath, tensor: name },
      );
    }
    return info;
  }

  private shard(shard: number): Promise<{ handle: FileHandle; size: number }> {
    let opened = this.shards.get(shard);
    if (opened === undefined) {
      const path = this.shardPath(shard);
      opened = (async () => {
        try {
          const handle = await open(path, 'r');
          return { handle, size: (await handle.stat()).size };
        } catch (error) {
          throw new TfCheckpointError(
            `cannot open data shard ${shard} of ${basename(this.prefix)}: ${path} (${(error as Error).message})`,
            { file: path, shard, cause: error },
          );
        }
      })();
      this.shards.set(shard, opened);
    }
    return opened;
  }

  /** The raw bytes of a tensor, after checking them against the CRC32C in the index. */
  async readBytes(name: string): Promise<Buffer> {
    const info = this.require(name);
    const path = this.shardPath(info.shard);
    const { handle, size } = await this.shard(info.shard);
    if (info.offset + info.size > size) {
      throw new TfCheckpointError(
        `${path}: tensor "${name}" lies at bytes ${info.offset}-${info.offset + info.size} but the shard has only ${size} bytes: the data file is truncated`,
        { file: path, tensor: name, shard: info.shard },
      );
    }
    const bytes = Buffer.alloc(info.size);
    let done = 0;
    while (done < info.size) {
      const { bytesRead } = await handle.read(bytes, done, info.size - done, info.offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done !== info.size) {
      throw new TfCheckpointError(
        `${path}: short read of tensor "${name}" (${done} of ${info.size} bytes)`,
        {
          file: path,
          tensor: name,
          shard: info.shard,
        },
      );
    }
    const stored = unmaskCrc(info.crc32c);
    const actual = crc32cOf(bytes);
    if (stored !== actual) {
      throw new TfCheckpointError(
        `${path}: tensor "${name}" (shard ${info.shard}, ${info.size} bytes at offset ${info.offset}) fails its CRC32C check (stored ${hex32(stored)}, computed ${hex32(actual)}): the data file is damaged`,
        { file: path, tensor: name, shard: info.shard, code: 'TF_CHECKSUM' },
      );
    }
    return bytes;
  }

  /** A float32 tensor's shape and values (CRC-checked). */
  async readFloat32(name: string): Promise<Tensor> {
    const info = this.require(name);
    const fail = (message: string): never => {
      throw new TfCheckpointError(`${this.index.indexPath}: tensor "${name}" ${message}`, {
        file: this.index.indexPath,
        tensor: name,
      });
    };
    if (info.dtype !== 'float32') fail(`is ${info.dtype}, expected float32`);
    if (this.index.header.endianness !== 'little')
      fail('is stored big-endian, which commonsynth does not read');
    const count = elementCount(info.shape);
    if (info.size !== count * 4)
      fail(`holds ${info.size} bytes but float32 [${info.shape}] needs ${count * 4}`);
    const bytes = await this.readBytes(name);
    const data = new Float32Array(count);
    if (HOST_IS_LITTLE_ENDIAN) {
      new Uint8Array(data.buffer).set(bytes);
    } else {
      for (let i = 0; i < count; i++) data[i] = bytes.readFloatLE(4 * i);
    }
    return { shape: [...info.shape], data };
  }

  /** An int32 or int64 scalar (such as global_step), CRC-checked. */
  async readIntegerScalar(name: string): Promise<bigint> {
    const info = this.require(name);
    const width = info.dtype === 'int32' ? 4 : info.dtype === 'int64' ? 8 : 0;
    if (width === 0 || elementCount(info.shape) !== 1 || info.size !== width) {
      throw new TfCheckpointError(
        `${this.index.indexPath}: tensor "${name}" is not an int32 or int64 scalar`,
        {
          file: this.index.indexPath,
          tensor: name,
        },
      );
    }
    const bytes = await this.readBytes(name);
    const little = this.index.header.endianness === 'little';
    if (width === 4) return BigInt(little ? bytes.readInt32LE(0) : bytes.readInt32BE(0));
    return little ? bytes.readBigInt64LE(0) : bytes.readBigInt64BE(0);
  }

  async close(): Promise<void> {
    const shards = [...this.shards.values()];
    this.shards.clear();
    for (const shard of await Promise.allSettled(shards)) {
      if (shard.status === 'fulfilled') await shard.value.handle.close();
    }
  }
}
