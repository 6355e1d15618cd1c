/**
 * The credits as a file's own tags, so a track shared alone keeps its attribution: TASL lines
 * as the comment, CREDITS.txt's text as the credits, and the license the sources impose.
 */
import type { AudioMetadata } from '../audio/index.js';
import { type Credits, creditsText } from './credits.js';

/** Tags for a work from its credits (see src/audio/encode for where each format puts them). */
export function creditsMetadata(credits: Credits, title?: string): AudioMetadata {
  const tasl = credits.sources.map(
    (s) =>
      `"${s.title}" by ${s.author}, ${s.sourceUrl}, ${s.license}${s.licenseUrl ? ` (${s.licenseUrl})` : ''}`,
  );
  const licenses = [...new Set(credits.sources.map((s) => s.license))];
  return {
    title: title ?? credits.work?.replace(/\.[^.]+$/, '') ?? 'commonsynth',
    artist: 'commonsynth',
    comment: tasl.join('\n'),
    credits: creditsText(credits),
    license: credits.license
      ? `${credits.license.name} (${credits.license.url})`
      : `See CREDITS; sources under ${licenses.join(', ') || 'no license'}`,
    software: credits.generator,
  };
}
