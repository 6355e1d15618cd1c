/**
 * From Commons' extmetadata to a typed license record, and the decision whether a file is free
 * enough for commonsynth: we keep licenses that allow commercial use and derivatives.
 */
import { decode } from 'html-entities';
import type { ExtMetadata } from './api.js';

export type LicenseKind =
  | 'cc0'
  | 'public-domain'
  | 'cc-by'
  | 'cc-by-sa'
  | 'gfdl'
  | 'free-art'
  | 'gpl'
  | 'lgpl'
  | 'other-free';

export const LICENSE_KINDS: readonly LicenseKind[] = [
  'cc0',
  'public-domain',
  'cc-by',
  'cc-by-sa',
  'gfdl',
  'free-art',
  'gpl',
  'lgpl',
  'other-free',
];

/** Why a file was not taken. */
export type LicenseDropReason =
  | 'non-free'
  | 'non-commercial'
  | 'no-derivatives'
  | 'unparseable'
  | 'no-author';

export interface LicenseRecord {
  /** The file page title, e.g. "File:Bird song.ogg". */
  title: string;
  /** Plain-text author (from Artist, else Credit). */
  author: string;
  authorHtml?: string;
  credit?: string;
  creditHtml?: string;
  /** The file description page (the "source" of TASL attribution). */
  source: string;
  /** The license as Commons names it, e.g. "CC BY-SA 4.0". */
  license: string;
  licenseUrl?: string;
  licenseKind: LicenseKind;
  usageTerms?: string;
  attributionRequired: boolean;
  copyrighted?: boolean;
  description?: string;
  descriptionHtml?: string;
  objectName?: string;
}

export type LicenseVerdict =
  | { ok: true; record: LicenseRecord }
  | { ok: false; reason: LicenseDropReason; detail: string };

/**
 * HTML (as extmetadata values are) to one line of plain text: tags dropped, entities decoded,
 * whitespace collapsed.
 */
export function htmlToText(html: string): string {
  const withoutHidden = html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, '');
  return decode(withoutHidden, { level: 'html5' }).replace(/\s+/g, ' ').trim();
}

function field(meta: ExtMetadata, name: string): string | undefined {
  const entry = meta[name];
  if (entry === undefined || entry === null) return undefined;
  const raw = String(entry.value);
  return raw.trim() === '' ? undefined : raw;
}

function truthy(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const text = htmlToText(value).toLowerCase();
  if (text === 'true' || text === '1' || text === 'yes') return true;
  if (text === 'false' || text === '0' || text === 'no') return false;
  return undefined;
}

const DROP_PATTERNS: Array<[LicenseDropReason, RegExp]> = [
  ['non-commercial', /\bnc\b|by-nc|non-?commercial/],
  ['no-derivatives', /\bnd\b|by-nd|no-?deriv|noderiv/],
  ['non-free', /fair use|non-?free|all rights reserved|proprietary/],
];

// Order matters: CC BY-SA before CC BY, LGPL before GPL.
const KIND_PATTERNS: Array<[LicenseKind, RegExp]> = [
  ['cc0', /\bcc0\b|cc-zero|publicdomain\/zero/],
  ['cc-by-sa', /\bcc[- ]by[- ]sa\b|licenses\/by-sa\/|attribution[- ]share ?alike/],
  ['cc-by', /\bcc[- ]by\b|licenses\/by\/|creative commons attribution/],
  ['public-domain', /public ?domain|^pd$|^pd[- ]|publicdomain\/mark/],
  ['gfdl', /\bgfdl\b|gnu free documentation/],
  ['free-art', /free art|art libre|artlibre|^fal$/],
  ['lgpl', /\blgpl\b|gnu lesser general public/],
  ['gpl', /\bgpl\b|gnu general public/],
  [
    'other-free',
    /^attribution$|copyrighted free use|\bmit\b|\bbsd\b|apache license|\bodbl\b|\bogl\b/,
  ],
];

/**
 * Reads a file's license from its extmetadata. `title` is the file page title and `source` its
 * description page URL. Files that are non-free, non-commercial, no-derivatives, of unknown
 * license, or that require attribution but name nobody are refused with the reason.
 */
export function parseLicense(
  title: string,
  source: string,
  meta: ExtMetadata | undefined,
): LicenseVerdict {
  if (meta === undefined) return { ok: false, reason: 'unparseable', detail: 'no extmetadata' };
  const shortName = field(meta, 'LicenseShortName');
  const machineName = field(meta, 'License');
  const usageTerms = field(meta, 'UsageTerms');
  const licenseUrl = field(meta, 'LicenseUrl');
  const names = [shortName, machineName, usageTerms]
    .filter((v): v is string => v !== undefined)
    .map((v) => htmlToText(v).toLowerCase());
  const url = licenseUrl ? htmlToText(licenseUrl).toLowerCase() : '';
  const haystack = [...names, url];
  const label = shortName ? htmlToText(shortName) : (names[0] ?? '');

  if (truthy(field(meta, 'NonFree')) === true) {
    return { ok: false, reason: 'non-free', detail: `marked NonFree (${label || 'no license'})` };
  }
  if (haystack.every((v) => v === '')) {
    return {
      ok: false,
      reason: 'unparseable',
      detail: 'no LicenseShortName, License, UsageTerms or LicenseUrl',
    };
  }
  for (const [reason, pattern] of DROP_PATTERNS) {
    if (haystack.some((v) => pattern.test(v))) return { ok: false, reason, detail: label || url };
  }
  const kind = KIND_PATTERNS.find(([, pattern]) => haystack.some((v) => pattern.test(v)))?.[0];
  if (kind === undefined) {
    return { ok: false, reason: 'unparseable', detail: `unknown license "${label || url}"` };
  }

  const artistHtml = field(meta, 'Artist');
  const creditHtml = field(meta, 'Credit');
  const author = artistHtml ? htmlToText(artistHtml) : creditHtml ? htmlToText(creditHtml) : '';
  const declared = truthy(field(meta, 'AttributionRequired'));
  // CC0 and public domain need no attribution; for everything else assume it unless told.
  const attributionRequired = declared ?? !(kind === 'cc0' || kind === 'public-domain');
  if (author === '' && attributionRequired) {
    return {
      ok: false,
      reason: 'no-author',
      detail: `${label} requires attribution but no author is given`,
    };
  }
  const descriptionHtml = field(meta, 'ImageDescription');
  const objectName = field(meta, 'ObjectName');
  return {
    ok: true,
    record: {
      title,
      author: author === '' ? 'Unknown author' : author,
      authorHtml: artistHtml,
      credit: creditHtml ? htmlToText(creditHtml) : undefined,
      creditHtml,
      source,
      license: label || kind,
      licenseUrl: licenseUrl ? htmlToText(licenseUrl) : undefined,
      licenseKind: kind,
      usageTerms: usageTerms ? htmlToText(usageTerms) : undefined,
      attributionRequired,
      copyrighted: truthy(field(meta, 'Copyrighted')),
      description: descriptionHtml ? htmlToText(descriptionHtml) : undefined,
      descriptionHtml,
      objectName: objectName ? htmlToText(objectName) : undefined,
    },
  };
}
