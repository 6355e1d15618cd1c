/**
 * Codec anchors for `commonsynth eval --anchor opus:8k,opus:12k`: the same clips through a real
 * low-bit-rate codec (ffmpeg's libopus), decoded back to 16 kHz mono and aligned sample for
 * sample with the original, so that a model's scores can be read against a codec's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { CommonsynthError } from '../errors.js';

/** One anchor: a codec at a bit rate. `name` is how reports label it ("opus:8k"). */
export interface AnchorSpec {
  name: string;
  codec: 'opus';
  /** Target bit rate in bits per second. */
  bitrate: number;
}

/** A malformed `--anchor` list. */
export class AnchorSpecError extends CommonsynthError {
  constructor(message: string) {
    super('EVAL_ANCHOR', message);
  }
}

/** ffmpeg (or its libopus encoder) is not installed: says how to install it. */
export class FfmpegMissingError extends CommonsynthError {
  constructor(message: string, file?: string) {
    super('FFMPEG_MISSING', message, { file });
  }
}

/** ffmpeg ran but failed to encode or decode a clip. */
export class CodecError extends CommonsynthError {
  constructor(message: string, file?: string) {
    super('CODEC_FAILED', message, { file });
  }
}

const INSTALL_HINT =
  'install it (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg) or point COMMONSYNTH_FFMPEG at an ffmpeg built with libopus';

/** Parses "opus:8k,opus:12k" (bit rates as `8k`, `12k`, `8000`; 6–510 kbit/s, libopus's range). */
export function parseAnchors(spec: string): AnchorSpec[] {
  const out: AnchorSpec[] = [];
  for (const raw of spec.split(',')) {
    const item = raw.trim().toLowerCase();
    if (item === '') continue;
    const m = /^opus:(\d+(?:\.\d+)?)(k?)$/.exec(item);
    if (!m) {
      throw new AnchorSpecError(
        `--anchor: cannot read "${raw.trim()}"; expected opus:<bit rate>, e.g. opus:8k or opus:12000`,
      );
    }
    const bitrate = Math.round(Number(m[1]) * (m[2] === 'k' ? 1000 : 1));
    if (bitrate < 6000 || bitrate > 510000) {
      throw new AnchorSpecError(
        `--anchor: ${raw.trim()} is outside libopus's 6–510 kbit/s (give the rate in bit/s or with k)`,
      );
    }
    const name = `opus:${bitrate % 1000 === 0 ? `${bitrate / 1000}k` : bitrate}`;
    if (!out.some((a) => a.name === name)) out.push({ name, codec: 'opus', bitrate });
  }
  if (out.length === 0) throw new AnchorSpecError('--anchor: no anchor given');
  return out;
}

/** The ffmpeg binary: $COMMONSYNTH_FFMPEG, else `ffmpeg` on PATH. */
export function ffmpegPath(): string {
  return process.env.COMMONSYNTH_FFMPEG || 'ffmpeg';
}

let checked: string | undefined;

/**
 * Checks that ffmpeg runs and has the libopus encoder; throws FfmpegMissingError saying what to
 * install otherwise. Returns the binary.
 */
export function requireFfmpegOpus(binary: string = ffmpegPath()): string {
  if (checked === binary) return binary;
  const probe = spawnSync(binary, ['-hide_banner', '-encoders'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : `exit ${probe.status}`;
    throw new FfmpegMissingError(
      `codec anchors need ffmpeg, and "${binary}" cannot be run (${why}); ${INSTALL_HINT}`,
      binary,
    );
  }
  if (!/^\s*A\S*\s+libopus\b/m.test(probe.stdout)) {
    throw new FfmpegMissingError(
      `${binary} has no libopus encoder (ffmpeg -encoders does not list it); ${INSTALL_HINT}`,
      binary,
    );
  }
  checked = binary;
  return binary;
}

function run(binary: string, args: string[], input: Uint8Array, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) =>
      reject(new FfmpegMissingError(`cannot run ${binary}: ${e.message}; ${INSTALL_HINT}`, binary)),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else {
        const tail = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-3).join(' | ');
        reject(new CodecError(`${binary} failed to ${what} (exit ${code}): ${tail}`, binary));
      }
    });
    // A closed stdin (ffmpeg gave up early) must not crash us; the exit code tells.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

const RATE = 16000;

/**
 * Encodes 16 kHz mono float samples with libopus at the anchor's bit rate (Ogg Opus, libopus's
 * defaults otherwise: VBR, 20 ms frames, application "audio") and decodes them back to 16 kHz mono
 * float with ffmpeg's Opus decoder. ffmpeg honours the stream's pre-skip (the encoder's
 * look-ahead, 312 samples at 48 kHz) and its end trimming, so the output has the input's length
 * and starts where it does; no further shift is applied here (see `anchorDelay`).
 */
export async function opusRoundTrip(
  samples: Float32Array,
  anchor: AnchorSpec,
  binary: string = requireFfmpegOpus(),
): Promise<Float32Array> {
  const raw = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const pcm = ['-f', 'f32le', '-ar', String(RATE), '-ac', '1'];
  const quiet = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  const encoded = await run(
    binary,
    [...quiet, ...pcm, '-i', 'pipe:0', '-c:a', 'libopus', '-b:a', String(anchor.bitrate)].concat([
      '-f',
      'ogg',
      'pipe:1',
    ]),
    raw,
    `encode with libopus at ${anchor.bitrate} bit/s`,
  );
  const decoded = await run(
    binary,
    [...quiet, '-i', 'pipe:0', ...pcm, 'pipe:1'],
    encoded,
    'decode Opus',
  );
  // Copy into an aligned buffer: a Node Buffer's offset need not be a multiple of 4.
  const out = new Float32Array(decoded.byteLength >> 2);
  new Uint8Array(out.buffer).set(decoded.subarray(0, out.byteLength));
  return out;
}

/**
 * A fixed, deterministic probe (a harmonic tone with vibrato and a slow envelope, 2 s): what
 * the codec's residual delay is measured on. Speech-like, so every Opus mode keeps its waveform.
 */
export function delayProbe(): Float32Array {
  const n = 2 * RATE;
  const out = new Float32Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    phase += (2 * Math.PI * (150 + 30 * Math.sin(2 * Math.PI * 0.7 * t))) / RATE;
    let v = 0;
    for (let k = 1; k < 20; k++) v += Math.sin(k * phase) / k;
    out[i] = 0.1 * v * (0.6 + 0.4 * Math.sin(2 * Math.PI * 1.3 * t));
  }
  return out;
}

/** The lag (in samples, −maxLag…maxLag) that maximises Σ x[n]·y[n+lag] away from the edges. */
export function bestLag(x: Float32Array, y: Float32Array, maxLag = 64): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  const from = maxLag;
  const to = Math.min(x.length, y.length) - maxLag;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let acc = 0;
    for (let n = from; n < to; n++) acc += x[n] * y[n + lag];
    if (acc > bestValue) {
      bestValue = acc;
      best = lag;
    }
  }
  return best;
}

const delays = new Map<string, number>();

/**
 * The anchor's residual delay in whole samples after ffmpeg's pre-skip handling, measured once
 * per anchor on `delayProbe()` (measured with ffmpeg 5.1 / libopus 1.3: 0 at 12 kbit/s and above;
 * 2 at 8 kbit/s, where Opus codes narrowband SILK and its resamplers add ~1.6 samples).
 * A fixed per-codec delay rather than a per-clip search, so that a noisy clip whose waveform the
 * codec does not keep is not "aligned" to whatever correlates best.
 */
export async function anchorDelay(anchor: AnchorSpec, binary?: string): Promise<number> {
  const known = delays.get(anchor.name);
  if (known !== undefined) return known;
  const probe = delayProbe();
  const lag = bestLag(probe, await opusRoundTrip(probe, anchor, binary));
  delays.set(anchor.name, lag);
  return lag;
}

/**
 * The anchor's version of `original`: through the codec and back, advanced by its delay, cut or
 * zero-padded to the original's length.
 */
export async function anchorOutput(
  original: Float32Array,
  anchor: AnchorSpec,
  binary: string = requireFfmpegOpus(),
): Promise<Float32Array> {
  const delay = await anchorDelay(anchor, binary);
  const decoded = await opusRoundTrip(original, anchor, binary);
  const out = new Float32Array(original.length);
  for (let i = 0; i < out.length; i++) {
    const j = i + delay;
    out[i] = j >= 0 && j < decoded.length ? decoded[j] : 0;
  }
  return out;
}
