/** Wikimedia Commons: a polite MediaWiki API client, category crawl, licenses and downloads. */
export {
  type ApiCategoryMember,
  type ApiImageInfo,
  type ApiPage,
  type ApiParams,
  type ApiResponse,
  COMMONS_API_URL,
  CommonsClient,
  type CommonsClientOptions,
  type ContinueParams,
  type ExtMetadata,
  type ExtMetadataField,
  type QueryBatch,
} from './api.js';
export { type ContactSources, resolveContact } from './contact.js';
export {
  type CategoryCursor,
  type CrawlEvent,
  type CrawlFilesOptions,
  type CrawlOptions,
  crawlCategories,
  crawlFiles,
  type FoundFile,
  IMAGEINFO_PROPS,
  type ListedFile,
  normalizeCategoryTitle,
} from './crawl.js';
export {
  Downloader,
  type DownloaderOptions,
  type DownloadOutcome,
  type DownloadTarget,
} from './download.js';
export { CommonsRequestError, ConfigError, MissingContactError } from './errors.js';
export { type FetchLike, type HttpOptions, PoliteHttp, type WaitEvent } from './http.js';
export {
  htmlToText,
  LICENSE_KINDS,
  type LicenseDropReason,
  type LicenseKind,
  type LicenseRecord,
  type LicenseVerdict,
  parseLicense,
} from './licenses.js';
export {
  DEFAULT_AUDIO_MIMES,
  extensionForMime,
  type MediaFilter,
  type MediaSkipReason,
  mediaSkipReason,
} from './media.js';
export {
  backoffDelay,
  bandwidthBucket,
  type Clock,
  DEFAULT_BANDWIDTH_MBPS,
  DEFAULT_MAX_DOWNLOADS,
  DEFAULT_MAXLAG,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetryPolicy,
  realClock,
  Semaphore,
  SerialQueue,
  TokenBucket,
  userAgent,
  validateContact,
} from './politeness.js';
