/** The sequencer: tracks from clips, peak-safe mastering, and credits. */

export {
  buildCredits,
  CREDITS_JSON,
  CREDITS_TEXT,
  type CreditedSource,
  type Credits,
  type CreditsInput,
  creditsText,
  findLocalManifest,
  type LicenseFamily,
  type LicenseTerms,
  type LocalManifest,
  type LocalManifestRow,
  licenseTerms,
  ManifestCsvError,
  type ModelCredit,
  mergeCredits,
  readLocalManifestCredits,
  type SourceCredit,
  unknownLocalCredit,
  writeCredits,
} from './credits.js';
export {
  clipCreditsPath,
  type SequenceFilesOptions,
  type SequenceFilesResult,
  sequenceFiles,
} from './files.js';
export {
  float32AtMost,
  type LimiterOptions,
  type LimiterResult,
  limitPeaks,
  masterTruePeak,
  normalizePeakTo,
} from './master.js';
export {
  type ClipLoudness,
  type GapOptions,
  MASTER_MODES,
  type MasterMode,
  type Placement,
  type SequencedTrack,
  type SequenceOptions,
  sequenceTrack,
  shortTermSpread,
  type TempoGrid,
  type TrackLoudness,
} from './track.js';
