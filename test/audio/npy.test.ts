import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeNpy,
  embeddingFileName,
  encodeNpy,
  loadEmbedding,
  NpyFormatError,
  readNpy,
  saveEmbedding,
  writeNpy,
} from '../../src/audio/index.js';
import type { Embedding } from '../../src/types.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commonsynth-npy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Builds a .npy file by hand from the format spec (numpy.lib.format): magic "\x93NUMPY", major and
 * minor version bytes, header length (uint16 LE for 1.0, uint32 LE for 2.0/3.0), then the header
 * dict padded with spaces and ending in '\n' so the data starts aligned (`align` bytes; numpy
 * used 16 before 1.19 and 64 since), then the raw array data.
 */
function handWritten(options: {
  major: number;
  header: string;
  data: Uint8Array;
  align?: number;
}): Uint8Array {
  const { major, header, data } = options;
  const align = options.align ?? 64;
  const prefix = major === 1 ? 10 : 12;
  const headerBytes = new TextEncoder().encode(header);
  const padded = Math.ceil((prefix + headerBytes.length + 1) / align) * align - prefix;
  const out = new Uint8Array(prefix + padded + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, padded, true);
  else view.setUint32(8, padded, true);
  out.fill(0x20, prefix, prefix + padded);
  out.set(headerBytes, prefix);
  out[prefix + padded - 1] = 0x0a;
  out.set(data, prefix + padded);
  return out;
}

function float32Le(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, v] of values.entries()) view.setFloat32(i * 4, v, true);
  return bytes;
}

describe('.npy', () => {
  it('round-trips shapes of rank 1, 2 and 3, including empty arrays', async () => {
    const cases: Array<[number[], number]> = [
      [[5], 5],
      [[3, 16], 48],
      [[2, 3, 4], 24],
      [[0, 16], 0],
    ];
    for (const [shape, count] of cases) {
      const data = Float32Array.from({ length: count }, (_, i) => Math.sin(i) * 1e3);
      const path = join(dir, `a${shape.join('x')}.npy`);
      await writeNpy(path, data, shape);
      const back = await readNpy(path);
      expect(back.shape).toEqual(shape);
      expect([...back.data]).toEqual([...data]);
      // numpy's layout: the header (with magic) fills a multiple of 64 bytes.
      const bytes = await readFile(path);
      expect((bytes.length - count * 4) % 64).toBe(0);
    }
  });

  it('writes the header numpy writes', () => {
    const bytes = encodeNpy(new Float32Array(32), [2, 16]);
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = bytes[8] | (bytes[9] << 8);
    const header = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + headerLength));
    expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 16), }");
    expect(header.endsWith('\n')).toBe(true);
    expect(encodeNpy(new Float32Array(3), [3]).includes(0x2c)).toBe(true); // "(3,)"
  });

  it('reads a version 1.0 header written by hand (16-byte alignment, as old numpy wrote)', () => {
    const bytes = handWritten({
      major: 1,
      align: 16,
      header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      data: float32Le([1, 2, 3, 4, 5, 6]),
    });
    const array = decodeNpy(bytes);
    expect(array.shape).toEqual([2, 3]);
    expect([...array.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads a version 2.0 header written by hand', () => {
    const bytes = handWritten({
      major: 2,
      header: "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
      data: float32Le([0.5, -0.25, 3, 1e-8]),
    });
    const array = decodeNpy(bytes);
    expect(array.shape).toEqual([4]);
    expect([...array.data]).toEqual([0.5, -0.25, 3, 1e-8].map(Math.fround));
  });

  it('reads version 3.0, float64, big-endian and Fortran-ordered data by converting', () => {
    const f8 = new Uint8Array(16);
    new DataView(f8.buffer).setFloat64(0, Math.PI, true);
    new DataView(f8.buffer).setFloat64(8, -1e10, true);
    const v3 = decodeNpy(
      handWritten({
        major: 3,
        header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
        data: f8,
      }),
    );
    expect([...v3.data]).toEqual([Math.fround(Math.PI), Math.fround(-1e10)]);

    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -2, false);
    const big = decodeNpy(
      handWritten({
        major: 1,
        header: "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
        data: be,
      }),
    );
    expect([...big.data]).toEqual([1.5, -2]);

    // Column-major [[1, 2, 3], [4, 5, 6]] is stored 1, 4, 2, 5, 3, 6.
    const fortran = decodeNpy(
      handWritten({
        major: 1,
        header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
        data: float32Le([1, 4, 2, 5, 3, 6]),
      }),
    );
    expect(fortran.shape).toEqual([2, 3]);
    expect([...fortran.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('gives a typed error for what it cannot read', () => {
    const header = (descr: string) =>
      `{'descr': '${descr}', 'fortran_order': False, 'shape': (2,), }`;
    expect(() => decodeNpy(new TextEncoder().encode('not numpy at all'), 'x.npy')).toThrow(
      NpyFormatError,
    );
    expect(() => decodeNpy(new TextEncoder().encode('not numpy at all'), 'x.npy')).toThrow(
      /x\.npy.*magic/,
    );
    expect(() =>
      decodeNpy(
        handWritten({ major: 1, header: header('<i4'), data: new Uint8Array(8) }),
        'ints.npy',
      ),
    ).toThrow(/ints\.npy.*dtype '<i4'/);
    expect(() =>
      decodeNpy(
        handWritten({ major: 1, header: header('<f4'), data: new Uint8Array(5) }),
        'short.npy',
      ),
    ).toThrow(/short\.npy.*truncated/);
    expect(() =>
      decodeNpy(
        handWritten({ major: 4, header: header('<f4'), data: new Uint8Array(8) }),
        'v4.npy',
      ),
    ).toThrow(/version 4/);
  });
});

describe('embeddings as Magenta stores them', () => {
  it('names files <name>_embeddings.npy', () => {
    expect(embeddingFileName('bird.wav')).toBe('bird_embeddings.npy');
    expect(embeddingFileName('/data/a.b.flac')).toBe('a.b_embeddings.npy');
    expect(embeddingFileName('plain')).toBe('plain_embeddings.npy');
  });

  it('saves [frames, dims] and loads it back', async () => {
    const embedding: Embedding = {
      frames: 125,
      dims: 16,
      data: Float32Array.from({ length: 125 * 16 }, (_, i) => Math.cos(i / 7)),
    };
    const path = join(dir, embeddingFileName('clip.wav'));
    await saveEmbedding(path, embedding);
    expect((await readNpy(path)).shape).toEqual([125, 16]);
    const back = await loadEmbedding(path);
    expect(back.frames).toBe(125);
    expect(back.dims).toBe(16);
    expect([...back.data]).toEqual([...embedding.data]);
    await writeNpy(join(dir, 'flat.npy'), new Float32Array(4), [4]);
    await expect(loadEmbedding(join(dir, 'flat.npy'))).rejects.toThrow(/\[frames, dims\]/);
  });
});

function hasNumpy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

// An extra check against numpy itself where it is installed (CI installs python3-numpy).
describe.skipIf(!hasNumpy())('.npy interchange with numpy', () => {
  it('numpy reads what we write, and we read what numpy writes', async () => {
    const ours = join(dir, 'ours_embeddings.npy');
    await saveEmbedding(ours, { frames: 3, dims: 2, data: new Float32Array([1, 2, 3, 4, 5, 6.5]) });
    const theirs = join(dir, 'theirs_embeddings.npy');
    const script = [
      'import numpy as np, sys',
      'a = np.load(sys.argv[1])',
      'assert a.dtype == np.float32 and a.shape == (3, 2), (a.dtype, a.shape)',
      'np.save(sys.argv[2], (a * 2).astype(np.float32))',
      'print(a.sum())',
    ].join('\n');
    const printed = execFileSync('python3', ['-c', script, ours, theirs], { timeout: 60_000 });
    expect(Number(printed.toString().trim())).toBe(21.5);
    const back = await loadEmbedding(theirs);
    expect([...back.data]).toEqual([2, 4, 6, 8, 10, 13]);
    await writeFile(join(dir, 'done'), '');
  });
});
