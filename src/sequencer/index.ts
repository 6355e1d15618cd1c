/** The sequencer: tracks from clips, peak-safe mastering, and credits. */
export {
  float32AtMost,
  type LimiterOptions,
  type LimiterResult,
  limitPeaks,
  normalizePeakTo,
} from './master.js';
export {
  type GapOptions,
  MASTER_MODES,
  type MasterMode,
  type Placement,
  type SequencedTrack,
  type SequenceOptions,
  sequenceTrack,
  type TempoGrid,
} from './track.js';
