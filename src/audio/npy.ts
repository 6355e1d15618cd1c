import { basename, extname } from 'node:path';
import { UsageError } from '../errors.js';
import type { Embedding } from '../types.js';
import { readFileNamed, writeFileAtomic } from './atomic.js';
import { NpyFormatError } from './errors.js';

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Encodes a float32 array as `.npy` bytes (version 1.0, or 2.0 for headers over 64 KiB). */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new UsageError(`npy: shape must be non-negative integers, got [${shape.join(', ')}]`);
  }
  if (elementCount(shape) !== data.length) {
    throw new UsageError(`npy: shape [${shape.join(', ')}] does not hold ${data.length} values`);
  }
  // Python's repr of a tuple: one element needs a trailing comma.
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`;
  // The header (magic, version, length field, dict, padding, '\n') fills a multiple of 64 bytes.
  let version = 1;
  let prefix = 10;
  let total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  if (total - prefix > 0xffff) {
    version = 2;
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  }
  const bytes = new Uint8Array(total + data.length * 4);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  bytes[6] = version;
  bytes[7] = 0;
  if (version === 1) view.setUint16(8, total - prefix, true);
  else view.setUint32(8, total - prefix, true);
  const header = dict.padEnd(total - prefix - 1, ' ') + '\n';
  for (let i = 0; i < header.length; i++) bytes[prefix + i] = header.charCodeAt(i);
  for (let i = 0; i < data.length; i++) view.setFloat32(total + i * 4, data[i], true);
  return bytes;
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** Parses the Python dict literal of an npy header (only the three keys numpy writes). */
function parseHeader(name: string, text: string): NpyHeader {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyFormatError(name, `header is not a numpy array description: ${text.trim()}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new NpyFormatError(name, `bad shape (${shapeText})`);
  }
  return { descr, fortranOrder: fortran === 'True', shape };
}

/** Decodes `.npy` bytes to float32 in C order; `name` labels errors. */
export function decodeNpy(bytes: Uint8Array, name = 'npy data'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyFormatError(name, 'missing the \\x93NUMPY magic');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major < 1 || major > 3)
    throw new NpyFormatError(name, `unknown format version ${major}.${bytes[7]}`);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) throw new NpyFormatError(name, 'truncated header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (prefix + headerLength > bytes.length) throw new NpyFormatError(name, 'truncated header');
  const headerBytes = bytes.subarray(prefix, prefix + headerLength);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const { descr, fortranOrder, shape } = parseHeader(name, text);
  const match = /^([<>|=])f([48])$/.exec(descr);
  if (!match) {
    throw new NpyFormatError(name, `dtype '${descr}' is not supported (float32 or float64 only)`);
  }
  // '=' is native order, little-endian on every platform Node runs on.
  const littleEndian = match[1] !== '>';
  const itemSize = Number(match[2]);
  const count = elementCount(shape);
  const start = prefix + headerLength;
  if (start + count * itemSize > bytes.length) {
    throw new NpyFormatError(
      name,
      `truncated: shape [${shape.join(', ')}] needs ${count * itemSize} bytes of data, file holds ${bytes.length - start}`,
    );
  }
  let data: Float32Array;
  if (itemSize === 4 && littleEndian) {
    // The common case: one copy, which also aligns the data to 4 bytes. (Not `bytes.slice`: on
    // a Node Buffer that returns a view into the same memory.)
    const copy = new Uint8Array(count * 4);
    copy.set(bytes.subarray(start, start + count * 4));
    data = new Float32Array(copy.buffer);
  } else {
    data = convert(view, start, count, itemSize, littleEndian);
  }
  if (fortranOrder && shape.length > 1) data = fortranToC(data, shape);
  return { shape, data };
}

function convert(
  view: DataView,
  start: number,
  count: number,
  itemSize: number,
  littleEndian: boolean,
): Float32Array {
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const at = start + i * itemSize;
    data[i] =
      itemSize === 4 ? view.getFloat32(at, littleEndian) : view.getFloat64(at, littleEndian);
  }
  return data;
}

/** Reorders column-major data (first index fastest) to row-major. */
function fortranToC(data: Float32Array, shape: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  // Column-major strides.
  const strides = new Array<number>(rank);
  strides[0] = 1;
  for (let d = 1; d < rank; d++) strides[d] = strides[d - 1] * shape[d - 1];
  for (let i = 0; i < out.length; i++) {
    let source = 0;
    for (let d = 0; d < rank; d++) source += index[d] * strides[d];
    out[i] = data[source];
    // Advance the row-major index (last dimension fastest).
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/** Writes a float32 array as `.npy` (atomically). */
export async function writeNpy(
  path: string,
  data: Float32Array,
  shape: readonly number[],
): Promise<void> {
  await writeFileAtomic(path, encodeNpy(data, shape));
}

export async function readNpy(path: string): Promise<NpyArray> {
  return decodeNpy(await readFileNamed(path), path);
}

/**
 * The file name Magenta's nsynth_save_embeddings gives a clip's embeddings: `<name>_embeddings.npy`,
 * where name is the audio file's base name without its extension. (Magenta strips ".wav" with
 * Python's str.strip, which also eats leading/trailing 'w', 'a', 'v' and '.' characters; we only
 * remove the extension.)
 */
export function embeddingFileName(name: string): string {
  const base = basename(name);
  const extension = extname(base);
  return `${extension ? base.slice(0, -extension.length) : base}_embeddings.npy`;
}

/** Saves an embedding as a [frames, dims] float32 `.npy` file, the layout Magenta uses. */
export async function saveEmbedding(path: string, embedding: Embedding): Promise<void> {
  await writeNpy(path, embedding.data, [embedding.frames, embedding.dims]);
}

/**
 * Loads a `.npy` file as embeddings: [frames, dims] (ours, nsynth_save_embeddings) is one;
 * [batch, frames, dims] (saved straight from Magenta's fastgen.encode, batch first) is one per
 * batch entry. Any other rank is refused, naming the file and its shape.
 */
export async function loadEmbeddings(path: string): Promise<Embedding[]> {
  const { shape, data } = await readNpy(path);
  if (shape.length === 2) return [{ frames: shape[0], dims: shape[1], data }];
  if (shape.length === 3) {
    const [batch, frames, dims] = shape;
    const size = frames * dims;
    // subarray views share the file's buffer: no copy per batch entry.
    return Array.from({ length: batch }, (_, i) => ({
      frames,
      dims,
      data: data.subarray(i * size, (i + 1) * size),
    }));
  }
  throw new NpyFormatError(
    path,
    `an embedding has shape [frames, dims] or [batch, frames, dims], this is [${shape.join(', ')}]`,
  );
}

/**
 * Loads one `.npy` embedding: [frames, dims], or [1, frames, dims] as fastgen.encode saves it.
 * A batch of several is refused here (a mashup source or store entry is one sound); `synth`
 * takes such a file as one stream per entry (see loadEmbeddings).
 */
export async function loadEmbedding(path: string): Promise<Embedding> {
  const embeddings = await loadEmbeddings(path);
  if (embeddings.length !== 1) {
    const [first] = embeddings;
    throw new NpyFormatError(
      path,
      `holds a batch of ${embeddings.length} embeddings ([${embeddings.length}, ${first?.frames ?? 0}, ${first?.dims ?? 0}]); one is needed here (synth takes each as its own stream)`,
    );
  }
  return embeddings[0];
}
