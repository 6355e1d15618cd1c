/**
 * TensorFlow's SSTable (tensorflow/core/lib/io/table*, the LevelDB table format without filter
 * blocks), as used for tensor-bundle `.index` files.
 *
 * File: data blocks, a metaindex block (empty in TensorFlow), an index block, and a 48-byte footer
 * (metaindex and index block handles as varint64 pairs, zero padding to 40 bytes, then the magic
 * number 0xdb4775248b80fb57 as two little-endian uint32s, low word first). Every block is followed
 * by a 5-byte trailer: a compression type byte and the masked CRC32C of the block and type byte.
 * A block holds entries `shared varint32, unshared varint32, value length varint32, key delta,
 * value`, with keys prefix-compressed against the previous key except at restart points, then the
 * restart offsets (uint32 each) and their count (uint32). The index block maps, for each data
 * block, a key >= the block's last key and < the next block's first key to the block's handle.
 */
import { crc32cOf, hex32, maskCrc, unmaskCrc } from './crc.js';
import { TfCheckpointError } from './errors.js';

const MAGIC_LOW = 0x8b80fb57;
const MAGIC_HIGH = 0xdb477524;
const FOOTER_BYTES = 48;
const HANDLES_BYTES = 40;
const TRAILER_BYTES = 5;
const NO_COMPRESSION = 0;
const SNAPPY_COMPRESSION = 1;

export interface SSTableEntry {
  key: Buffer;
  value: Buffer;
}

interface BlockHandle {
  offset: number;
  size: number;
}

/** Reads varints from a buffer, failing with a clear error past `end`. */
class Cursor {
  constructor(
    readonly bytes: Buffer,
    public position: number,
    readonly end: number,
    readonly fail: (message: string) => never,
  ) {}

  varint(maxBytes: number, what: string): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      if (this.position >= this.end) this.fail(`truncated ${what} at byte ${this.position}`);
      const byte = this.bytes[this.position++];
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) this.fail(`${what} ${result} is too large`);
        return result;
      }
      scale *= 128;
    }
    return this.fail(`${what} at byte ${this.position} is longer than ${maxBytes} bytes`);
  }

  take(length: number, what: string): Buffer {
    if (length > this.end - this.position)
      this.fail(`${what} of ${length} bytes at byte ${this.position} runs past its block`);
    const slice = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return slice;
  }
}

/** Reads every entry of an SSTable held in memory, checking every block's CRC and structure. */
export function readSSTable(file: Buffer, path: string): SSTableEntry[] {
  const fail = (message: string): never => {
    throw new TfCheckpointError(`${path}: ${message}`, { file: path });
  };
  if (file.byteLength < FOOTER_BYTES) fail(`too short (${file.byteLength} bytes) to be an SSTable`);
  const footerStart = file.byteLength - FOOTER_BYTES;
  const magicLow = file.readUInt32LE(footerStart + HANDLES_BYTES);
  const magicHigh = file.readUInt32LE(footerStart + HANDLES_BYTES + 4);
  if (magicLow !== MAGIC_LOW || magicHigh !== MAGIC_HIGH) {
    fail('not a TensorFlow checkpoint index (bad SSTable magic number)');
  }
  const footer = new Cursor(file, footerStart, footerStart + HANDLES_BYTES, (m) =>
    fail(`footer: ${m}`),
  );
  const handle = (cursor: Cursor, what: string): BlockHandle => ({
    offset: cursor.varint(10, `${what} offset`),
    size: cursor.varint(10, `${what} size`),
  });
  const metaindexHandle = handle(footer, 'metaindex handle');
  const indexHandle = handle(footer, 'index handle');

  const readBlock = (h: BlockHandle, what: string): Buffer => {
    if (h.offset + h.size + TRAILER_BYTES > footerStart) {
      fail(`${what} (offset ${h.offset}, ${h.size} bytes) runs past the end of the file`);
    }
    const type = file[h.offset + h.size];
    const stored = unmaskCrc(file.readUInt32LE(h.offset + h.size + 1));
    const actual = crc32cOf(file.subarray(h.offset, h.offset + h.size + 1));
    if (stored !== actual) {
      throw new TfCheckpointError(
        `${path}: ${what} at offset ${h.offset} (${h.size} bytes) fails its CRC32C check (stored ${hex32(stored)}, computed ${hex32(actual)}): the index file is damaged`,
        { file: path, code: 'TF_CHECKSUM' },
      );
    }
    if (type === SNAPPY_COMPRESSION) {
      fail(
        `${what} at offset ${h.offset} is Snappy-compressed, which commonsynth does not read (TensorFlow writes checkpoint indexes uncompressed)`,
      );
    }
    if (type !== NO_COMPRESSION)
      fail(`${what} at offset ${h.offset} has unknown compression type ${type}`);
    return file.subarray(h.offset, h.offset + h.size);
  };

  const parseBlock = (block: Buffer, what: string): SSTableEntry[] => {
    const blockFail = (message: string): never => fail(`${what}: ${message}`);
    if (block.byteLength < 4) blockFail('too short to hold its restart count');
    const restartCount = block.readUInt32LE(block.byteLength - 4);
    const restartsStart = block.byteLength - 4 - 4 * restartCount;
    if (restartCount < 1 || restartsStart < 0) blockFail(`bad restart count ${restartCount}`);
    const restarts = new Set<number>();
    for (let i = 0; i < restartCount; i++) restarts.add(block.readUInt32LE(restartsStart + 4 * i));
    const cursor = new Cursor(block, 0, restartsStart, blockFail);
    const entries: SSTableEntry[] = [];
    let previous = Buffer.alloc(0);
    while (cursor.position < restartsStart) {
      const start = cursor.position;
      const shared = cursor.varint(5, 'shared key length');
      const unshared = cursor.varint(5, 'unshared key length');
      const valueLength = cursor.varint(5, 'value length');
      if (shared > previous.byteLength)
        blockFail(
          `entry at byte ${start} shares ${shared} bytes of a ${previous.byteLength}-byte key`,
        );
      if (restarts.has(start) && shared !== 0)
        blockFail(`entry at restart point ${start} shares a key prefix`);
      restarts.delete(start);
      const key = Buffer.concat([previous.subarray(0, shared), cursor.take(unshared, 'key')]);
      const value = cursor.take(valueLength, 'value');
      entries.push({ key, value });
      previous = key;
    }
    if (restarts.size > 0)
      blockFail(`restart points ${[...restarts].join(', ')} are not entry starts`);
    return entries;
  };

  readBlock(metaindexHandle, 'metaindex block');
  const entries: SSTableEntry[] = [];
  for (const indexEntry of parseBlock(readBlock(indexHandle, 'index block'), 'index block')) {
    const cursor = new Cursor(indexEntry.value, 0, indexEntry.value.byteLength, (m) =>
      fail(`index block: ${m}`),
    );
    const blockHandle = handle(cursor, 'data block handle');
    const what = `data block at offset ${blockHandle.offset}`;
    const blockEntries = parseBlock(readBlock(blockHandle, 'data block'), what);
    for (const entry of blockEntries) {
      const last = entries.at(-1);
      if (last !== undefined && Buffer.compare(last.key, entry.key) >= 0) {
        fail(
          `keys out of order: "${entry.key.toString('utf8')}" after "${last.key.toString('utf8')}"`,
        );
      }
      entries.push(entry);
    }
    const lastKey = blockEntries.at(-1)?.key;
    if (lastKey !== undefined && Buffer.compare(lastKey, indexEntry.key) > 0) {
      fail(`index key "${indexEntry.key.toString('utf8')}" is below the last key of its ${what}`);
    }
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Writing, as TensorFlow's TableBuilder does (same block boundaries, restart points, index keys),
// so that the same entries give the same bytes.

export interface SSTableWriteOptions {
  /** Uncompressed bytes per data block before it is cut (TensorFlow's default 262144). */
  blockSize?: number;
  /** Keys between restart points (TensorFlow's default 16). */
  restartInterval?: number;
}

function putVarint(out: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

class BlockBuilder {
  private parts: Buffer[] = [];
  private size = 0;
  private restarts = [0];
  private counter = 0;
  private lastKey: Buffer = Buffer.alloc(0);

  constructor(private readonly restartInterval: number) {}

  get empty(): boolean {
    return this.size === 0;
  }

  sizeEstimate(): number {
    return this.size + this.restarts.length * 4 + 4;
  }

  add(key: Buffer, value: Buffer): void {
    let shared = 0;
    if (this.counter < this.restartInterval) {
      const limit = Math.min(this.lastKey.byteLength, key.byteLength);
      while (shared < limit && this.lastKey[shared] === key[shared]) shared++;
    } else {
      this.restarts.push(this.size);
      this.counter = 0;
    }
    const header: number[] = [];
    putVarint(header, shared);
    putVarint(header, key.byteLength - shared);
    putVarint(header, value.byteLength);
    this.push(Buffer.from(header), key.subarray(shared), value);
    this.lastKey = key;
    this.counter++;
  }

  finish(): Buffer {
    const trailer = Buffer.alloc(4 * this.restarts.length + 4);
    for (const [i, offset] of this.restarts.entries()) trailer.writeUInt32LE(offset, 4 * i);
    trailer.writeUInt32LE(this.restarts.length, 4 * this.restarts.length);
    const block = Buffer.concat([...this.parts, trailer]);
    this.parts = [];
    this.size = 0;
    this.restarts = [0];
    this.counter = 0;
    this.lastKey = Buffer.alloc(0);
    return block;
  }

  private push(...buffers: Buffer[]): void {
    for (const buffer of buffers) {
      this.parts.push(buffer);
      this.size += buffer.byteLength;
    }
  }
}

/** The shortest key >= start and < limit, as TensorFlow's builder chooses for index entries. */
function shortestSeparator(start: Buffer, limit: Buffer): Buffer {
  const minLength = Math.min(start.byteLength, limit.byteLength);
  let diff = 0;
  while (diff < minLength && start[diff] === limit[diff]) diff++;
  if (diff >= minLength) return start;
  const byte = start[diff];
  if (byte < 0xff && byte + 1 < limit[diff]) {
    const separator = Buffer.from(start.subarray(0, diff + 1));
    separator[diff] = byte + 1;
    return separator;
  }
  return start;
}

/** A short key >= key, for the index entry of the last block. */
function shortSuccessor(key: Buffer): Buffer {
  for (let i = 0; i < key.byteLength; i++) {
    if (key[i] !== 0xff) {
      const successor = Buffer.from(key.subarray(0, i + 1));
      successor[i] = key[i] + 1;
      return successor;
    }
  }
  return key;
}

/** Builds an uncompressed SSTable from entries whose keys are strictly increasing (bytewise). */
export function buildSSTable(
  entries: readonly SSTableEntry[],
  options: SSTableWriteOptions = {},
): Buffer {
  const blockSize = options.blockSize ?? 262144;
  const restartInterval = options.restartInterval ?? 16;
  const out: Buffer[] = [];
  let offset = 0;
  const dataBlock = new BlockBuilder(restartInterval);
  const indexBlock = new BlockBuilder(1);
  let lastKey: Buffer | undefined;
  let pending: BlockHandle | undefined;

  const writeBlock = (contents: Buffer): BlockHandle => {
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer[0] = NO_COMPRESSION;
    trailer.writeUInt32LE(maskCrc(crc32cOf(trailer.subarray(0, 1), crc32cOf(contents))), 1);
    out.push(contents, trailer);
    const written = { offset, size: contents.byteLength };
    offset += contents.byteLength + TRAILER_BYTES;
    return written;
  };
  const encodeHandle = (h: BlockHandle): Buffer => {
    const bytes: number[] = [];
    putVarint(bytes, h.offset);
    putVarint(bytes, h.size);
    return Buffer.from(bytes);
  };
  const flush = (): void => {
    if (dataBlock.empty) return;
    pending = writeBlock(dataBlock.finish());
  };

  for (const { key, value } of entries) {
    if (lastKey !== undefined) {
      if (Buffer.compare(key, lastKey) <= 0) {
        throw new TfCheckpointError(
          `SSTable keys must be strictly increasing: "${key}" after "${lastKey}"`,
        );
      }
      if (key.byteLength + value.byteLength >= 2 * blockSize) flush();
    }
    if (pending !== undefined && lastKey !== undefined) {
      indexBlock.add(shortestSeparator(lastKey, key), encodeHandle(pending));
      pending = undefined;
    }
    lastKey = key;
    dataBlock.add(key, value);
    if (dataBlock.sizeEstimate() >= blockSize) flush();
  }
  flush();
  const metaindexHandle = writeBlock(new BlockBuilder(restartInterval).finish());
  if (pending !== undefined && lastKey !== undefined) {
    indexBlock.add(shortSuccessor(lastKey), encodeHandle(pending));
  }
  const indexHandle = writeBlock(indexBlock.finish());
  const footer = Buffer.alloc(FOOTER_BYTES);
  Buffer.concat([encodeHandle(metaindexHandle), encodeHandle(indexHandle)]).copy(footer, 0);
  footer.writeUInt32LE(MAGIC_LOW, HANDLES_BYTES);
  footer.writeUInt32LE(MAGIC_HIGH, HANDLES_BYTES + 4);
  out.push(footer);
  return Buffer.concat(out);
}
