/**
 * The embedding store: Magenta-compatible `<sha1>_embeddings.npy` files keyed by the source
 * audio's SHA-1 and the model that encoded it, so that runs (and users) share encodings.
 *
 *   <root>/<model key>/<sha1[0..2]>/<sha1>_embeddings.npy
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { embeddingFileName, loadEmbedding, saveEmbedding } from '../audio/index.js';
import { assertSha1 } from '../dataset/index.js';
import { CommonsynthError } from '../errors.js';
import type { Embedding } from '../types.js';

/**
 * A short, stable key for a model package: its name plus a hash of its config.json and of the
 * names, sizes and modification times of its weight files. Hashing the weights' bytes would be
 * exact but costs seconds for NSynth's 1 GB; a retrained or re-imported package changes size or
 * time, which is what matters here.
 */
export async function modelKey(modelDir: string, name: string): Promise<string> {
  const hash = createHash('sha1');
  hash.update(await readFile(join(modelDir, 'config.json')));
  const entries = (await readdir(modelDir)).filter((f) => /\.(onnx|safetensors)$/.test(f)).sort();
  for (const file of entries) {
    const info = await stat(join(modelDir, file));
    hash.update(`\n${file}:${info.size}:${Math.floor(info.mtimeMs)}`);
  }
  const safeName = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40) || 'model';
  return `${safeName}-${hash.digest('hex').slice(0, 12)}`;
}

export class EmbeddingStore {
  constructor(readonly root: string) {}

  /** Where the embedding of `sha1` under `model` lives (whether or not it exists yet). */
  pathFor(sha1: string, model: string): string {
    const hex = assertSha1(sha1, 'embedding store key');
    return join(this.root, model, hex.slice(0, 2), embeddingFileName(hex));
  }

  has(sha1: string, model: string): boolean {
    return existsSync(this.pathFor(sha1, model));
  }

  /**
   * The stored embedding, verified: an entry that does not read as a whole `[frames, dims]`
   * `.npy` (truncated, garbled by a crash or a disk) or that holds NaN/infinite values is
   * reported as absent, so the caller encodes the source again and `put` replaces the entry;
   * otherwise that source would fail on every run.
   */
  async get(sha1: string, model: string): Promise<Embedding | undefined> {
    const path = this.pathFor(sha1, model);
    if (!existsSync(path)) return undefined;
    let embedding: Embedding;
    try {
      embedding = await loadEmbedding(path);
    } catch (error) {
      if (error instanceof CommonsynthError) return undefined;
      throw error;
    }
    const { frames, dims, data } = embedding;
    if (frames < 1 || dims < 1 || data.length !== frames * dims) return undefined;
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return undefined;
    return embedding;
  }

  /** Stores atomically (saveEmbedding writes a temporary file and renames it). */
  async put(sha1: string, model: string, embedding: Embedding): Promise<string> {
    const path = this.pathFor(sha1, model);
    await saveEmbedding(path, embedding);
    return path;
  }
}
