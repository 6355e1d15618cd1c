/** The queue's job kinds, their data and their content-addressed ids. */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { JobsOptions } from 'bullmq';
import type { Embedding } from '../types.js';

/** One BullMQ queue per stage, so a worker can take only some stages (`--stages`). */
export const QUEUE_STAGES = ['encode', 'synth'] as const;
export type QueueStage = (typeof QUEUE_STAGES)[number];
export const queueName = (stage: QueueStage): string => `commonsynth-${stage}`;

export interface EncodeJobData {
  /** Source file on the shared mount. */
  path: string;
  sha1: string;
  /** Model package folder (the same path on every machine). */
  modelDir: string;
  /** Embedding store root and the key the embedding goes under. */
  storeRoot: string;
  storeKey: string;
}

export interface EncodeJobResult {
  reused: boolean;
  /** Where the embedding now is. */
  stored: string;
}

export interface SynthJobData {
  modelDir: string;
  /** The clip's latent input, float32 little-endian, base64. */
  embedding: { frames: number; dims: number; data: string };
  streamName: string;
  seed: number;
  temperature?: number;
  /** Where the clip's float32 WAV goes (the content-addressed clip store). */
  clipPath: string;
}

export interface SynthJobResult {
  clipPath: string;
  samples: number;
}

/** Bounded retries with backoff (issue 14: default 3 attempts), then the job is failed. */
export function jobOptions(attempts = 3): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: 500 },
    // Kept, so a repeated submission finds the finished job instead of running it again.
    removeOnComplete: false,
    removeOnFail: false,
  };
}

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** Encode jobs are named by source and model: the same source under one model is encoded once. */
export const encodeJobId = (data: EncodeJobData): string => `encode-${data.sha1}-${data.storeKey}`;

/** Synth jobs are named by the clip's recipe hash, its seed and stream name. */
export function synthJobId(recipeHash: string, seed: number, streamName: string): string {
  return `synth-${sha1(JSON.stringify({ recipeHash, seed, streamName }))}`;
}

export function clipStorePath(root: string, jobId: string): string {
  const hex = jobId.replace(/^synth-/, '');
  return join(root, hex.slice(0, 2), `${hex}.wav`);
}

export function packEmbedding(e: Embedding): SynthJobData['embedding'] {
  const bytes = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
  return { frames: e.frames, dims: e.dims, data: bytes.toString('base64') };
}

export function unpackEmbedding(p: SynthJobData['embedding']): Embedding {
  const bytes = Buffer.from(p.data, 'base64');
  // Copied into a fresh, aligned buffer: Buffer's pool offset may not be a multiple of 4.
  const data = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(data.buffer).set(bytes);
  return { frames: p.frames, dims: p.dims, data };
}
