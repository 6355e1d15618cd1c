/**
 * Audio in and out: decode (any format Commons serves) with validation, mono, resampling,
 * level tools, WAV and `.npy` files, and the `prep` batch job.
 */
export { removeStaleTempFiles, writeFileAtomic } from './atomic.js';
export { type DecodedAudio, decodeAudioBytes, decodeAudioFile } from './decode.js';
export { detectFormat, type FormatInfo } from './detect.js';
export {
  AUDIO_FORMATS,
  AudioEncodeError,
  type AudioFormat,
  type AudioMetadata,
  audioExtension,
  audioFormatOfPath,
  defaultBitrateKbps,
  type EncodeAudioOptions,
  encodeAudioBytes,
  parseAudioFormat,
  writeAudioFile,
} from './encode/index.js';
export {
  CorruptAudioError,
  NpyFormatError,
  ResampleError,
  UnsupportedFormatError,
} from './errors.js';
export {
  type LoudnessOptions,
  loudnessDb,
  normalizeLoudness,
  normalizePeak,
  peakOf,
  type TrimOptions,
  trimSilence,
} from './level.js';
export { type LoadMonoOptions, loadMono } from './load.js';
export {
  ABSOLUTE_GATE_LUFS,
  type Biquad,
  gainToLufs,
  integratedLoudness,
  kWeight,
  kWeightingFilters,
  type LoudnessReport,
  LRA_RELATIVE_GATE_LU,
  type LufsNormalizeOptions,
  loudnessRange,
  type MeterInput,
  type MeterOptions,
  measureLoudness,
  momentaryLoudness,
  normalizeLufs,
  powerToLufs,
  RELATIVE_GATE_LU,
  shortTermLoudness,
  TRUE_PEAK_OVERSAMPLING,
  truePeakDbtp,
  truePeakEnvelope,
  truePeakOf,
} from './loudness.js';
export { toMono } from './mono.js';
export {
  decodeNpy,
  embeddingFileName,
  encodeNpy,
  loadEmbedding,
  loadEmbeddings,
  type NpyArray,
  readNpy,
  saveEmbedding,
  writeNpy,
} from './npy.js';
export {
  AUDIO_EXTENSIONS,
  type FindAudioFilesOptions,
  findAudioFiles,
  formatPrepSummary,
  type PrepFileResult,
  type PrepNormalize,
  type PrepOptions,
  type PrepProgress,
  type PrepSampleFormat,
  type PrepSummary,
  prepFiles,
} from './prep.js';
export {
  RESAMPLE_QUALITIES,
  type ResampleOptions,
  type ResampleQuality,
  resample,
} from './resample.js';
export { MAX_PLAUSIBLE_PEAK, validateDecoded } from './validate.js';
export {
  decodeWav,
  encodeWav,
  findWavChunk,
  readWav,
  WAV_SAMPLE_FORMATS,
  type WavAudio,
  type WavOptions,
  type WavSampleFormat,
  writeWav,
} from './wav.js';
