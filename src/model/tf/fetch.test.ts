import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelPackage } from '../package/load.js';
import { randomWaveNetWeights } from '../random-weights.js';
import { H512_BO16, type WaveNetConfig } from '../wavenet-config.js';
import { type TfTensorToWrite, writeTfCheckpoint } from './bundle-writer.js';
import { downloadWithResume, fetchNsynthModel, ModelFetchError } from './fetch.js';

/** A small member of the family with h512_bo16's dilation cycles, hop and rate (what fetch assumes). */
const SMALL: WaveNetConfig = {
  ...H512_BO16,
  numLayers: 3,
  width: 4,
  skipWidth: 4,
  aeNumLayers: 2,
  aeWidth: 4,
  quantizationChannels: 8,
};

interface Behaviour {
  /** Send only this many body bytes, then drop the connection. */
  cutAfter?: number;
  /** Send only this many body bytes, then keep the connection open and silent. */
  stallAfter?: number;
  /** Answer 200 with the whole file whatever the Range header says. */
  ignoreRange?: boolean;
  status?: number;
}

/** A tiny HTTP server on 127.0.0.1 serving one file, with Range support and scripted failures. */
class FileServer {
  readonly ranges: Array<string | undefined> = [];
  behaviours: Behaviour[] = [];
  fallback: Behaviour = {};
  /**
   * The client's partial file. Before dropping a connection the server waits until the client
   * has written what it was sent, since bytes still in flight when a connection drops are lost,
   * which would make the resume point depend on timing.
   */
  partPath?: string;
  private server: Server;

  constructor(public body: Buffer) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/models/wavenet-ckpt.tar`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async clientHas(bytes: number): Promise<void> {
    for (let i = 0; i < 500 && this.partPath !== undefined; i++) {
      const size = await stat(this.partPath).then(
        (info) => info.size,
        () => 0,
      );
      if (size >= bytes) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const behaviour = this.behaviours.shift() ?? this.fallback;
    const range = req.headers.range;
    this.ranges.push(range);
    if (behaviour.status !== undefined) {
      res.writeHead(behaviour.status).end();
      return;
    }
    let start = 0;
    const match = /^bytes=(\d+)-$/.exec(range ?? '');
    if (match && !behaviour.ignoreRange) {
      start = Number(match[1]);
      if (start >= this.body.byteLength) {
        res.writeHead(416, { 'Content-Range': `bytes */${this.body.byteLength}` }).end();
        return;
      }
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${this.body.byteLength - 1}/${this.body.byteLength}`,
        'Content-Length': this.body.byteLength - start,
      });
    } else {
      res.writeHead(200, { 'Content-Length': this.body.byteLength });
    }
    const rest = this.body.subarray(start);
    if (behaviour.stallAfter !== undefined) {
      res.write(rest.subarray(0, behaviour.stallAfter));
      return;
    }
    if (behaviour.cutAfter !== undefined) {
      const sent = start + behaviour.cutAfter;
      res.write(rest.subarray(0, behaviour.cutAfter), () => {
        void this.clientHas(sent).then(() => req.socket.destroy());
      });
      return;
    }
    res.end(rest);
  }
}

let root: string;
let archive: Buffer;
const raw = randomWaveNetWeights(SMALL, 5);
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'commonsynth-fetch-'));
  const source = join(root, 'source');
  const tensors: TfTensorToWrite[] = [...raw].map(([name, t]) => ({
    name,
    shape: t.shape,
    data: t.data,
  }));
  tensors.push({ name: 'global_step', shape: [], data: Int32Array.of(200000) });
  await writeTfCheckpoint(join(source, 'wavenet-ckpt', 'model.ckpt-200000'), tensors);
  const tarPath = join(root, 'source.tar');
  await tar.c({ file: tarPath, cwd: source }, ['wavenet-ckpt']);
  archive = await readFile(tarPath);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let counter = 0;
function dirs(): { outDir: string; downloadDir: string } {
  counter++;
  return {
    outDir: join(root, `models-${counter}`, 'nsynth'),
    downloadDir: join(root, `downloads-${counter}`),
  };
}

async function expectImported(outDir: string): Promise<void> {
  const loaded = await loadModelPackage(outDir);
  if (loaded.family !== 'wavenet-ae') throw new Error('wrong family');
  expect(loaded.wavenet).toEqual(SMALL);
  expect(loaded.config).toMatchObject({ name: 'nsynth', version: '200000', weights: 'raw' });
  for (const [name, tensor] of raw) expect(loaded.weights.get(name)?.data).toEqual(tensor.data);
}

describe('model fetch nsynth (against a local server)', () => {
  it('resumes a broken transfer with a Range request, untars, imports and cleans up', async () => {
    const server = new FileServer(archive);
    const url = await server.start();
    try {
      const cut = Math.floor(archive.byteLength / 3);
      server.behaviours = [{ cutAfter: cut }];
      const { outDir, downloadDir } = dirs();
      server.partPath = join(downloadDir, 'wavenet-ckpt.tar.part');
      const progress: Array<[number, number | undefined]> = [];
      const result = await fetchNsynthModel({
        url,
        outDir,
        downloadDir,
        retryDelayMs: 0,
        onDownloadProgress: (done, total) => progress.push([done, total]),
      });
      expect(server.ranges).toEqual([undefined, `bytes=${cut}-`]);
      expect(result.download).toMatchObject({
        bytes: archive.byteLength,
        resumedFrom: 0,
        cached: false,
      });
      expect(progress.at(-1)).toEqual([archive.byteLength, archive.byteLength]);
      expect(result.checkpoint).toBe(
        join(downloadDir, 'wavenet-ckpt', 'wavenet-ckpt', 'model.ckpt-200000'),
      );
      await expectImported(outDir);
      // The archive and the unpacked checkpoint are gone; the package stays.
      expect(existsSync(join(downloadDir, 'wavenet-ckpt.tar'))).toBe(false);
      expect(existsSync(join(downloadDir, 'wavenet-ckpt'))).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('resumes a partial file left by an earlier run, or starts over when the server ignores Range', async () => {
    const server = new FileServer(archive);
    const url = await server.start();
    try {
      for (const ignoreRange of [false, true]) {
        server.ranges.length = 0;
        server.behaviours = [{ ignoreRange }];
        const { outDir, downloadDir } = dirs();
        await mkdir(downloadDir, { recursive: true });
        await writeFile(join(downloadDir, 'wavenet-ckpt.tar.part'), archive.subarray(0, 3000));
        const result = await fetchNsynthModel({
          url,
          outDir,
          downloadDir,
          retryDelayMs: 0,
          keepDownload: true,
        });
        expect(server.ranges).toEqual(['bytes=3000-']);
        expect(result.download.resumedFrom).toBe(3000);
        expect((await readFile(join(downloadDir, 'wavenet-ckpt.tar'))).equals(archive)).toBe(true);
        await expectImported(outDir);
      }
    } finally {
      await server.stop();
    }
  });

  it('keeps a short download as .part after the retries and finishes it on the next run', async () => {
    const server = new FileServer(archive);
    const url = await server.start();
    try {
      server.fallback = { cutAfter: 1000 };
      const { outDir, downloadDir } = dirs();
      server.partPath = join(downloadDir, 'wavenet-ckpt.tar.part');
      const error = await fetchNsynthModel({
        url,
        outDir,
        downloadDir,
        retries: 2,
        retryDelayMs: 0,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelFetchError);
      expect((error as ModelFetchError).offline).toBe(false);
      expect((error as ModelFetchError).message).toMatch(
        /did not complete: the transfer (broke|ended) .*wavenet-ckpt\.tar\.part is kept; run the same command again to resume/,
      );
      // Three attempts, each resuming where the last one stopped.
      expect(server.ranges).toEqual([undefined, 'bytes=1000-', 'bytes=2000-']);
      expect((await stat(join(downloadDir, 'wavenet-ckpt.tar.part'))).size).toBe(3000);
      expect(existsSync(outDir)).toBe(false);

      server.fallback = {};
      const result = await fetchNsynthModel({ url, outDir, downloadDir, retryDelayMs: 0 });
      expect(result.download.resumedFrom).toBe(3000);
      await expectImported(outDir);
    } finally {
      await server.stop();
    }
  });

  it('drops a stalled connection and resumes', async () => {
    const server = new FileServer(archive);
    const url = await server.start();
    try {
      server.behaviours = [{ stallAfter: 2000 }];
      const dest = join(root, 'stalled.tar');
      const result = await downloadWithResume(url, dest, { stallTimeoutMs: 1000, retryDelayMs: 0 });
      expect(server.ranges).toEqual([undefined, 'bytes=2000-']);
      expect(result).toMatchObject({ bytes: archive.byteLength, cached: false });
      expect((await readFile(dest)).equals(archive)).toBe(true);
      // A finished file is not downloaded again.
      expect(await downloadWithResume(url, dest)).toMatchObject({
        cached: true,
        bytes: archive.byteLength,
      });
      expect(server.ranges).toHaveLength(2);
    } finally {
      await server.stop();
    }
  });

  it('checks the size against what the caller expects', async () => {
    const server = new FileServer(archive);
    const url = await server.start();
    try {
      const dest = join(root, 'sized.tar');
      const error = await downloadWithResume(url, dest, {
        expectedBytes: archive.byteLength + 1,
        retryDelayMs: 0,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelFetchError);
      expect((error as ModelFetchError).message).toMatch(
        new RegExp(`has ${archive.byteLength} bytes, expected ${archive.byteLength + 1}`),
      );
      expect(existsSync(dest)).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('says clearly that the server cannot be reached, and how to import by hand', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { outDir, downloadDir } = dirs();
    const error = await fetchNsynthModel({
      url: `http://127.0.0.1:${port}/models/wavenet-ckpt.tar`,
      outDir,
      downloadDir,
      retries: 1,
      retryDelayMs: 0,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFetchError);
    const fetchError = error as ModelFetchError;
    expect(fetchError.offline).toBe(true);
    expect(fetchError.code).toBe('MODEL_FETCH');
    expect(fetchError.message).toMatch(
      new RegExp(`cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
    );
    expect(fetchError.message).toMatch(/are you offline\?/);
    expect(fetchError.message).toMatch(
      /commonsynth model import-tf <unpacked folder>\/model\.ckpt-200000 --out /,
    );
  });

  it('removes a damaged archive and reports HTTP errors', async () => {
    const server = new FileServer(Buffer.alloc(4096, 0x41));
    const url = await server.start();
    try {
      const { outDir, downloadDir } = dirs();
      let error = await fetchNsynthModel({ url, outDir, downloadDir, retryDelayMs: 0 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ModelFetchError);
      expect((error as ModelFetchError).message).toMatch(
        /is not a readable tar archive .*it was removed, run again/,
      );
      expect(existsSync(join(downloadDir, 'wavenet-ckpt.tar'))).toBe(false);

      server.fallback = { status: 404 };
      error = await fetchNsynthModel({ url, outDir, downloadDir, retryDelayMs: 0 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ModelFetchError);
      expect((error as ModelFetchError).offline).toBe(false);
      expect((error as ModelFetchError).message).toMatch(/the server answered 404/);
    } finally {
      await server.stop();
    }
  });
});
