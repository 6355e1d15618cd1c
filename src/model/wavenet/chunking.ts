/**
 * Long sounds as many short streams, so one long sound fills a whole batch.
 *
 * A sound of F embedding frames is cut at frame boundaries into n near-equal chunks. Chunk j > 0
 * starts `warmupFrames + crossfadeFrames` frames before its boundary: the generator starts it
 * from silence (zero queues, zero input), exactly as it starts any sound, conditioned on the
 * real embedding frames of that region. The first `warmupFrames` frames of audio it generates
 * (at least the decoder's receptive field) are thrown away: by then the decoder's state no longer
 * depends on the silent start. The next `crossfadeFrames` frames overlap the end of chunk j-1 and
 * the two are joined with an equal-power (sin/cos) cross-fade. The chunks are independent
 * realisations, so the seam is a short blend of two different waveforms, not a continuation.
 */
import { UsageError } from '../../errors.js';
import type { Embedding } from '../../types.js';
import { checkStreamNames } from '../stream-names.js';
import { decoderReceptiveField, type WaveNetConfig } from '../wavenet-config.js';

export interface ChunkingOptions {
  /** Target chunk length in seconds; 0 or undefined = no chunking. */
  chunkSeconds?: number;
  /** Cross-fade length in seconds, rounded up to whole frames (default one frame, 32 ms). */
  crossfadeSeconds?: number;
  /**
   * One name per input that keys its random draws (default `input <index>`), so a sound's audio
   * does not depend on which other sounds share its batch.
   */
  streamNames?: readonly string[];
}

/** One stream for the generator: conditioning frames and how many samples to generate. */
export interface StreamSpec {
  embedding: Embedding;
  /** Samples to generate; sample t is conditioned on frame floor(t / hop). */
  length: number;
  /** Names the stream's random draws (with the seed), independent of batch order. */
  key: string;
}

interface ChunkPiece {
  stream: number;
  /** Global frame where the stream starts, where its kept audio starts, where it ends. */
  startFrame: number;
  keepFrame: number;
  endFrame: number;
}

export interface ChunkPlan {
  streams: StreamSpec[];
  /** Frames of warm-up and of cross-fade used for chunk joins. */
  warmupFrames: number;
  crossfadeFrames: number;
  /** Assembles the streams' audio (in `streams` order) into one Float32Array per input. */
  join(audio: readonly Float32Array[]): Float32Array[];
}

/** Frames of warm-up: the decoder's receptive field rounded up to whole frames. */
export function warmupFrames(cfg: WaveNetConfig): number {
  return Math.ceil(decoderReceptiveField(cfg) / cfg.hop);
}

function sliceFrames(embedding: Embedding, from: number, to: number): Embedding {
  return {
    frames: to - from,
    dims: embedding.dims,
    data: embedding.data.subarray(from * embedding.dims, to * embedding.dims),
  };
}

export function planChunks(
  embeddings: readonly Embedding[],
  cfg: WaveNetConfig,
  options: ChunkingOptions = {},
): ChunkPlan {
  const chunkSeconds = options.chunkSeconds ?? 0;
  if (!Number.isFinite(chunkSeconds) || chunkSeconds < 0) {
    throw new UsageError(`chunk seconds must be 0 (off) or a positive number, got ${chunkSeconds}`);
  }
  const fadeSeconds = options.crossfadeSeconds ?? cfg.hop / cfg.sampleRate;
  if (!Number.isFinite(fadeSeconds) || fadeSeconds <= 0) {
    throw new UsageError(`cross-fade seconds must be a positive number, got ${fadeSeconds}`);
  }
  const hop = cfg.hop;
  const warm = warmupFrames(cfg);
  const fade = Math.max(1, Math.ceil((fadeSeconds * cfg.sampleRate) / hop - 1e-9));
  // Unrounded, so e.g. 60 s / 64 gives exactly 64 chunks.
  const chunkFrames = chunkSeconds === 0 ? Infinity : (chunkSeconds * cfg.sampleRate) / hop;
  if (chunkFrames < 3 * fade) {
    throw new UsageError(
      `chunks of ${chunkSeconds} s are too short for a ${(fade * hop) / cfg.sampleRate} s cross-fade`,
    );
  }

  const names = options.streamNames;
  checkStreamNames(names, embeddings.length);
  const streams: StreamSpec[] = [];
  const pieces: ChunkPiece[][] = [];
  embeddings.forEach((embedding, input) => {
    const frames = embedding.frames;
    // A sound shorter than two chunks stays whole.
    const count =
      chunkFrames === Infinity || frames < 2 * chunkFrames ? 1 : Math.round(frames / chunkFrames);
    const name = names?.[input] ?? `input ${input}`;
    const own: ChunkPiece[] = [];
    for (let j = 0; j < count; j++) {
      const boundary = Math.round((j * frames) / count);
      const endFrame = Math.round(((j + 1) * frames) / count);
      const keepFrame = j === 0 ? 0 : boundary - fade;
      const startFrame = Math.max(0, keepFrame - warm);
      own.push({ stream: streams.length, startFrame, keepFrame, endFrame });
      streams.push({
        embedding: sliceFrames(embedding, startFrame, endFrame),
        length: (endFrame - startFrame) * hop,
        // Chunk 0 draws like the unchunked sound, so its audio is the same.
        key: j === 0 ? name : `${name} chunk ${j}`,
      });
    }
    pieces.push(own);
  });

  return {
    streams,
    warmupFrames: warm,
    crossfadeFrames: fade,
    join(audio) {
      return pieces.map((own) => {
        const total = own[own.length - 1].endFrame * hop;
        const out = new Float32Array(total);
        own.forEach((piece, j) => {
          const source = audio[piece.stream];
          const offset = piece.startFrame * hop; // global sample of source[0]
          const keep = piece.keepFrame * hop;
          const end = piece.endFrame * hop;
          if (j === 0) {
            out.set(source.subarray(0, end - offset), 0);
            return;
          }
          // Cross-fade region [keep, keep + fade*hop), then this chunk alone up to `end`.
          const fadeLength = Math.min(fade * hop, end - keep);
          for (let i = 0; i < fadeLength; i++) {
            const angle = ((i + 0.5) / fadeLength) * (Math.PI / 2);
            out[keep + i] =
              out[keep + i] * Math.cos(angle) + source[keep - offset + i] * Math.sin(angle);
          }
          out.set(source.subarray(keep + fadeLength - offset, end - offset), keep + fadeLength);
        });
        return out;
      });
    },
  };
}
