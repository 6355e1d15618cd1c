/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
 * mapping tensor names to `{ dtype, shape, data_offsets: [begin, end] }` (offsets relative to the
 * first byte after the header) plus an optional `__metadata__` object of string values, then the
 * tensors' bytes, little-endian, row-major.
 *
 * No well-kept npm package reads and writes it (the `safetensors` package is an abandoned 0.0.1),
 * so this is a small implementation that treats every file as hostile: every number in the header
 * is checked against the file before it is used.
 */
import { type FileHandle, open, readFile, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { CommonsynthError } from '../errors.js';
import { elementCount, type Tensor } from './tensor.js';

/** A safetensors file that cannot be read or written. */
export class SafetensorsError extends CommonsynthError {
  /** The tensor the problem is about, when there is one. */
  readonly tensor?: string;

  constructor(message: string, options: { file?: string; tensor?: string; cause?: unknown } = {}) {
    super('SAFETENSORS', message, options);
    this.tensor = options.tensor;
  }
}

/** Bytes per element of each safetensors dtype. */
export const SAFETENSORS_DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;

export type SafetensorsDType = keyof typeof SAFETENSORS_DTYPE_BYTES;

/** One tensor as stored: its dtype, shape and raw little-endian bytes. */
export interface SafetensorsEntry {
  dtype: SafetensorsDType;
  shape: number[];
  /** A view of the file's bytes (not a copy). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  /** Tensors in header order. */
  tensors: Map<string, SafetensorsEntry>;
  /** The `__metadata__` strings (empty when the file has none). */
  metadata: Record<string, string>;
}

/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const METADATA_KEY = '__metadata__';
const HOST_IS_LITTLE_ENDIAN = endianness() === 'LE';

function isDType(value: unknown): value is SafetensorsDType {
  return typeof value === 'string' && Object.hasOwn(SAFETENSORS_DTYPE_BYTES, value);
}

function isDimension(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Parses and checks a whole safetensors file held in memory. `file` names it in errors. */
export function parseSafetensors(buffer: Uint8Array, file?: string): SafetensorsFile {
  const fail = (message: string, tensor?: string): never => {
    throw new SafetensorsError(`${file ?? 'safetensors'}: ${message}`, { file, tensor });
  };
  if (buffer.byteLength < 8) fail(`file too short (${buffer.byteLength} bytes) to hold a header`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, buffer.byteLength - 8))) {
    fail(`header length ${headerLength} does not fit in the file (${buffer.byteLength} bytes)`);
  }
  const headerEnd = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(8, headerEnd)),
    );
  } catch (error) {
    fail(`header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail('header is not a JSON object');
  }
  const dataLength = buffer.byteLength - headerEnd;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsEntry>();
  const ranges: Array<[number, number, string]> = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail('__metadata__ is not an object');
      }
      for (const [key, text] of Object.entries(value as Record<string, unknown>)) {
        if (typeof text !== 'string') fail(`__metadata__.${key} is not a string`);
        metadata[key] = text as string;
      }
      continue;
    }
    if (typeof value !== 'object' || value === null)
      fail(`tensor "${name}" has no description`, name);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (!isDType(dtype)) fail(`tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`, name);
    if (!Array.isArray(shape) || !shape.every(isDimension)) {
      fail(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`, name);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isDimension)) {
      fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`, name);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) {
      fail(
        `tensor "${name}" data_offsets [${begin}, ${end}] lie outside the ${dataLength} data bytes`,
        name,
      );
    }
    const expected =
      elementCount(shape as number[]) * SAFETENSORS_DTYPE_BYTES[dtype as SafetensorsDType];
    if (end - begin !== expected) {
      fail(
        `tensor "${name}" holds ${end - begin} bytes but ${dtype} ${JSON.stringify(shape)} needs ${expected}`,
        name,
      );
    }
    ranges.push([begin, end, name]);
    tensors.set(name, {
      dtype: dtype as SafetensorsDType,
      shape: [...(shape as number[])],
      bytes: buffer.subarray(headerEnd + begin, headerEnd + end),
    });
  }
  // Tensors must tile the data exactly: no overlaps (aliasing) and no hidden bytes.
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cursor = 0;
  for (const [begin, end, name] of ranges) {
    if (begin !== cursor) {
      fail(
        begin < cursor
          ? `tensor "${name}" overlaps the tensor before it`
          : `${begin - cursor} unused bytes before tensor "${name}"`,
        name,
      );
    }
    cursor = end;
  }
  if (cursor !== dataLength) fail(`${dataLength - cursor} unused bytes after the last tensor`);
  return { tensors, metadata };
}

/** Reads and checks a safetensors file. */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (error) {
    throw new SafetensorsError(`cannot read ${path}: ${(error as Error).message}`, {
      file: path,
      cause: error,
    });
  }
  return parseSafetensors(buffer, path);
}

/** The values of an F32 entry as a Float32Array (a view when aligned on a little-endian host). */
export function float32Values(entry: SafetensorsEntry, name: string, file?: string): Float32Array {
  if (entry.dtype !== 'F32') {
    throw new SafetensorsError(
      `${file ?? 'safetensors'}: tensor "${name}" is ${entry.dtype}, expected F32`,
      {
        file,
        tensor: name,
      },
    );
  }
  const { bytes } = entry;
  const count = bytes.byteLength / 4;
  if (HOST_IS_LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
    return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  }
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Little-endian bytes of a Float32Array (a view on little-endian hosts). */
function littleEndianBytes(data: Float32Array): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

/**
 * Encodes the header of float32 tensors written in the given order. The header is padded with
 * spaces so that the data (and so every float32 tensor) starts 8-byte aligned, as the reference
 * writer does.
 */
function encodeHeader(
  names: string[],
  tensors: ReadonlyMap<string, Tensor>,
  metadata: Record<string, string>,
): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const name of names) {
    const tensor = tensors.get(name) as Tensor;
    const bytes = tensor.data.byteLength;
    header[name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = Buffer.alloc(8 + padded, 0x20);
  out.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(out, 8);
  return out;
}

/** FileHandle.write may write fewer bytes than asked; loop until all are written. */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done);
    done += bytesWritten;
  }
}

/**
 * Writes float32 tensors (sorted by name) to `path` through a temporary file and a rename, so
 * that a reader never sees a half-written file.
 */
export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, Tensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const tensor = tensors.get(name) as Tensor;
    if (tensor.data.length !== elementCount(tensor.shape)) {
      throw new SafetensorsError(
        `${path}: tensor "${name}" has ${tensor.data.length} values but shape ${JSON.stringify(tensor.shape)}`,
        { file: path, tensor: name },
      );
    }
  }
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  const handle = await open(temporary, 'w');
  try {
    await writeAll(handle, encodeHeader(names, tensors, metadata));
    for (const name of names)
      await writeAll(handle, littleEndianBytes((tensors.get(name) as Tensor).data));
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw new SafetensorsError(`cannot write ${path}: ${(error as Error).message}`, {
      file: path,
      cause: error,
    });
  }
  await handle.close();
  await rename(temporary, path);
}
