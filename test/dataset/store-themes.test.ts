import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/commons/errors.js';
import { extensionForMime, mediaSkipReason } from '../../src/commons/media.js';
import { InvalidSha1Error, UnsafePathError } from '../../src/dataset/errors.js';
import { assertSha1, ContentStore } from '../../src/dataset/store.js';
import {
  DEFAULT_THEMES,
  findConfigFile,
  loadCurateConfig,
  resolveTheme,
  THEME_NAMES,
  themeNames,
} from '../../src/dataset/themes.js';
import { tempDir } from '../commons/fixture.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('content-addressed store', () => {
  it('names files by sha1 and a MIME-table extension only', () => {
    const store = new ContentStore('/data');
    expect(store.relativePathFor(SHA, 'application/ogg')).toBe(`store/01/${SHA}.ogg`);
    expect(store.relativePathFor(SHA.toUpperCase(), 'audio/x-flac')).toBe(`store/01/${SHA}.flac`);
    expect(store.pathFor(SHA, 'audio/mpeg')).toBe(join('/data', 'store', '01', `${SHA}.mp3`));
    expect(store.tempPathFor(SHA)).toBe(join('/data', 'store', '.partial', `${SHA}.part`));
    expect(extensionForMime('audio/webm; codecs=opus')).toBe('webm');
    expect(extensionForMime('application/x-evil/../../x')).toBe('bin');
  });

  it('refuses anything that is not a sha1, and paths that leave the data folder', () => {
    const store = new ContentStore('/data');
    for (const bad of ['../../etc/passwd', `${SHA}/..`, 'z'.repeat(40), SHA.slice(1), '']) {
      expect(() => store.relativePathFor(bad, 'audio/ogg')).toThrow(InvalidSha1Error);
      expect(() => store.tempPathFor(bad)).toThrow(InvalidSha1Error);
    }
    expect(assertSha1(SHA.toUpperCase())).toBe(SHA);
    expect(() => store.resolve('../elsewhere/x.ogg')).toThrow(UnsafePathError);
    expect(() => store.resolve('/etc/passwd')).toThrow(UnsafePathError);
    expect(() => store.resolve('store/../../x')).toThrow(UnsafePathError);
    expect(store.resolve(`store/01/${SHA}.ogg`)).toBe(join('/data', 'store', '01', `${SHA}.ogg`));
  });
});

describe('media filter', () => {
  it('takes allowed audio within the duration range', () => {
    const audio = { mime: 'application/ogg', mediatype: 'AUDIO', duration: 10 };
    expect(mediaSkipReason(audio)).toBeUndefined();
    expect(mediaSkipReason({ ...audio, mime: 'audio/midi' })).toBe('mime');
    expect(mediaSkipReason({ ...audio, mime: 'video/webm', mediatype: 'VIDEO' })).toBe('not-audio');
    expect(mediaSkipReason(audio, { minDuration: 11 })).toBe('too-short');
    expect(mediaSkipReason(audio, { maxDuration: 9 })).toBe('too-long');
    expect(mediaSkipReason(audio, { mimes: ['audio/x-flac'] })).toBe('mime');
  });
});

describe('themes', () => {
  it('has defaults for the six themes', () => {
    expect(Object.keys(DEFAULT_THEMES).sort()).toEqual([...THEME_NAMES].sort());
    for (const name of THEME_NAMES) {
      const theme = resolveTheme(name)!;
      expect(theme.categories.length).toBeGreaterThan(0);
      expect(theme.categories.every((c) => c.startsWith('Category:'))).toBe(true);
      expect(theme.depth).toBe(2);
    }
    expect(resolveTheme('jazz')).toBeUndefined();
  });

  it('loads a config that replaces and adds themes, with defaults filled in', () => {
    const temp = tempDir();
    try {
      const file = join(temp.dir, 'commonsynth.json');
      writeFileSync(
        file,
        JSON.stringify({
          contact: 'me@example.org',
          defaults: { depth: 1, maxDuration: 30 },
          themes: {
            nature: { categories: ['Category:Rain'], depth: 4 },
            'sea-birds': { categories: ['Gulls'], perCategoryCap: 5 },
          },
        }),
      );
      expect(findConfigFile(temp.dir, {})).toBe(file);
      const config = loadCurateConfig(file);
      expect(config.contact).toBe('me@example.org');
      expect(themeNames(config)).toContain('sea-birds');
      expect(resolveTheme('nature', config)).toMatchObject({
        categories: ['Category:Rain'],
        depth: 4,
        media: { maxDuration: 30, minDuration: 1 },
      });
      expect(resolveTheme('sea-birds', config)).toMatchObject({ depth: 1, perCategoryCap: 5 });
      expect(resolveTheme('music', config)?.depth).toBe(1);
    } finally {
      temp.cleanup();
    }
  });

  it.each([
    ['{not json', /not valid JSON/],
    ['[]', /must be a JSON object/],
    ['{"colour": 1}', /unknown key\(s\) colour/],
    ['{"themes": {"nature": {"categories": []}}}', /themes.nature.categories must not be empty/],
    [
      '{"themes": {"nature": {"categories": ["A"], "depth": -1}}}',
      /themes.nature.depth must be a non-negative integer/,
    ],
    ['{"themes": {"Bad Name": {"categories": ["A"]}}}', /theme name "Bad Name"/],
    ['{"bandwidthMbps": 0}', /bandwidthMbps/],
  ])('refuses a bad config %s with a ConfigError naming the file', (text, message) => {
    const temp = tempDir();
    try {
      const file = join(temp.dir, 'bad.json');
      writeFileSync(file, text);
      expect(() => loadCurateConfig(file)).toThrow(ConfigError);
      expect(() => loadCurateConfig(file)).toThrow(message);
      expect(() => loadCurateConfig(file)).toThrow(file);
    } finally {
      temp.cleanup();
    }
  });
});
