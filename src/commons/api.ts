/**
 * A small MediaWiki Action API client: JSON, formatversion=2, maxlag, full `continue` handling,
 * and strictly one request at a time.
 */
import { CommonsRequestError } from './errors.js';
import { type HttpOptions, PoliteHttp, type WaitEvent } from './http.js';
import { DEFAULT_MAXLAG, SerialQueue, userAgent } from './politeness.js';

export const COMMONS_API_URL = 'https://commons.wikimedia.org/w/api.php';

/** One extmetadata field as the API returns it (values are usually HTML strings). */
export interface ExtMetadataField {
  value: string | number | boolean;
  source?: string;
  hidden?: boolean | string;
}

export type ExtMetadata = Record<string, ExtMetadataField | undefined>;

/** `prop=imageinfo` with iiprop=url|size|sha1|mime|mediatype|extmetadata. */
export interface ApiImageInfo {
  url: string;
  descriptionurl: string;
  descriptionshorturl?: string;
  size: number;
  width?: number;
  height?: number;
  /** Seconds; sent with `size` for audio and video. */
  duration?: number;
  sha1: string;
  mime: string;
  mediatype: string;
  extmetadata?: ExtMetadata;
}

export interface ApiPage {
  pageid?: number;
  ns: number;
  title: string;
  missing?: boolean;
  imageinfo?: ApiImageInfo[];
}

export interface ApiCategoryMember {
  pageid: number;
  ns: number;
  title: string;
}

/** Continuation parameters exactly as the API returned them; pass them back unchanged. */
export type ContinueParams = Record<string, string>;

export interface ApiResponse {
  batchcomplete?: boolean;
  continue?: ContinueParams;
  query?: {
    pages?: ApiPage[];
    categorymembers?: ApiCategoryMember[];
    [key: string]: unknown;
  };
  error?: { code: string; info: string; [key: string]: unknown };
  warnings?: unknown;
}

export type ApiParams = Record<string, string | number | boolean | undefined>;

/** A complete batch of a continued query: every page's props are merged in. */
export interface QueryBatch {
  pages: ApiPage[];
  categorymembers: ApiCategoryMember[];
  /** Where the next batch starts; undefined when the query is finished. */
  next: ContinueParams | undefined;
}

export interface CommonsClientOptions extends Omit<HttpOptions, 'userAgent'> {
  /** Action API endpoint; Commons by default. */
  apiUrl?: string;
  /** Who runs this client (e-mail, URL or User: page); required by Wikimedia. */
  contact: string;
  /** Seconds of replication lag at which the servers should refuse us (Wikimedia asks for 5). */
  maxlag?: number;
}

export class CommonsClient {
  readonly apiUrl: string;
  readonly http: PoliteHttp;
  readonly maxlag: number;
  private readonly serial = new SerialQueue();

  constructor(options: CommonsClientOptions) {
    this.apiUrl = options.apiUrl ?? COMMONS_API_URL;
    this.maxlag = options.maxlag ?? DEFAULT_MAXLAG;
    this.http = new PoliteHttp({ ...options, userAgent: userAgent(options.contact) });
  }

  get userAgent(): string {
    return this.http.userAgent;
  }

  /** One API call; calls from anywhere in the process are queued and sent one at a time. */
  request(params: ApiParams): Promise<ApiResponse> {
    return this.serial.run(() => this.requestNow(params));
  }

  private async requestNow(params: ApiParams): Promise<ApiResponse> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries({
      format: 'json',
      formatversion: 2,
      maxlag: this.maxlag,
      ...params,
    })) {
      if (value !== undefined) search.set(key, String(value));
    }
    const url = `${this.apiUrl}?${search.toString()}`;
    const { policy } = this.http;
    for (let attempt = 0; ; attempt++) {
      // fetch decompresses gzip for us; asking for it saves Wikimedia's bandwidth.
      const response = await this.http.get(url, {
        'Accept-Encoding': 'gzip',
        Accept: 'application/json',
      });
      let body: ApiResponse;
      try {
        body = (await response.json()) as ApiResponse;
      } catch (error) {
        throw new CommonsRequestError(`${url}: the API did not answer with JSON`, {
          url,
          status: response.status,
          cause: error,
        });
      }
      if (body.error === undefined) return body;
      if (body.error.code === 'maxlag' && attempt + 1 < policy.maxAttempts) {
        const event: WaitEvent = {
          reason: 'maxlag',
          url,
          attempt,
          delayMs: this.http.serverWaitMs(
            response.headers.get('retry-after'),
            policy.defaultMaxlagWaitMs,
          ),
          detail: body.error.info,
        };
        await this.http.wait(event);
        continue;
      }
      throw new CommonsRequestError(`${this.apiUrl}: ${body.error.code}: ${body.error.info}`, {
        url,
        apiCode: body.error.code,
      });
    }
  }

  /**
   * Runs a query to its end, one complete batch at a time. Within a generator batch, prop
   * continuation (e.g. `iicontinue` when extmetadata is large) is followed and the pieces of
   * each page merged, so every yielded page is whole. Start from `from` to resume.
   */
  async *queryBatches(params: ApiParams, from?: ContinueParams): AsyncGenerator<QueryBatch> {
    let cont: ContinueParams | undefined = from;
    let pages = new Map<string, ApiPage>();
    let members: ApiCategoryMember[] = [];
    for (;;) {
      const body = await this.request({ action: 'query', ...params, ...cont });
      for (const page of body.query?.pages ?? []) mergePage(pages, page);
      members.push(...(body.query?.categorymembers ?? []));
      const next = body.continue;
      // Without `batchcomplete`, some props of this batch's pages are still to come.
      const complete = body.batchcomplete === true || next === undefined;
      if (complete) {
        yield { pages: [...pages.values()], categorymembers: members, next };
        pages = new Map();
        members = [];
      }
      if (next === undefined) return;
      cont = next;
    }
  }
}

function mergePage(pages: Map<string, ApiPage>, page: ApiPage): void {
  const key = page.pageid === undefined ? `title:${page.title}` : `id:${page.pageid}`;
  const known = pages.get(key);
  if (!known) {
    pages.set(key, { ...page });
    return;
  }
  if (page.imageinfo) known.imageinfo = [...(known.imageinfo ?? []), ...page.imageinfo];
}
