export {
  inspectTfCheckpoint,
  readTfCheckpointIndex,
  TF_DTYPE_CODES,
  type TfBundleHeader,
  TfCheckpoint,
  type TfCheckpointIndex,
  type TfTensorInfo,
  tfCheckpointPrefix,
  tfDTypeName,
  tfShardPath,
} from './bundle.js';
export {
  type TfTensorToWrite,
  type WriteTfCheckpointOptions,
  writeTfCheckpoint,
} from './bundle-writer.js';
export { maskCrc, unmaskCrc } from './crc.js';
export { TfCheckpointError } from './errors.js';
export {
  type DownloadOptions,
  type DownloadResult,
  downloadWithResume,
  type FetchNsynthOptions,
  type FetchNsynthResult,
  fetchNsynthModel,
  ModelFetchError,
  NSYNTH_CHECKPOINT_URL,
  NSYNTH_MODEL_NAME,
} from './fetch.js';
export {
  EMA_SUFFIX,
  type ImportTfCheckpointOptions,
  type ImportTfCheckpointResult,
  importTfCheckpoint,
  inferWaveNetConfig,
  NSYNTH_CREDITS,
  TRAINING_SLOT_SUFFIXES,
  TRAINING_STATE_VARIABLES,
  type WaveNetShapeFreeOptions,
} from './import.js';
export {
  buildSSTable,
  readSSTable,
  type SSTableEntry,
  type SSTableWriteOptions,
} from './sstable.js';
