import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/audio/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commonsynth-atomic-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it.each([false, true])(
    'writes the exact bytes and leaves no temporary file (sync %s)',
    async (sync) => {
      const folder = join(dir, `ok-${sync}`, 'nested');
      const data = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256);
      await writeFileAtomic(join(folder, 'out.bin'), data, { sync });
      await writeFileAtomic(join(folder, 'out.bin'), data.subarray(5, 9), { sync });
      expect(new Uint8Array(await readFile(join(folder, 'out.bin')))).toEqual(data.subarray(5, 9));
      expect(await readdir(folder)).toEqual(['out.bin']);
    },
  );

  it.each([false, true])(
    'removes its temporary file when the rename fails (sync %s)',
    async (sync) => {
      const folder = join(dir, `fail-${sync}`);
      // A non-empty folder where the file should go: the rename cannot replace it.
      await mkdir(join(folder, 'taken', 'inside'), { recursive: true });
      await expect(
        writeFileAtomic(join(folder, 'taken'), Uint8Array.of(1, 2, 3), { sync }),
      ).rejects.toThrow();
      expect(await readdir(folder)).toEqual(['taken']);
    },
  );
});
