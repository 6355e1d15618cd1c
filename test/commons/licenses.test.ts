import { describe, expect, it } from 'vitest';
import type { ExtMetadata } from '../../src/commons/api.js';
import { htmlToText, parseLicense } from '../../src/commons/licenses.js';

const m = (fields: Record<string, string>): ExtMetadata =>
  Object.fromEntries(
    Object.entries(fields).map(([k, value]) => [k, { value, source: 'commons-desc-page' }]),
  );

const SOURCE = 'https://commons.wikimedia.org/wiki/File:Example.ogg';

describe('htmlToText', () => {
  it('drops tags, decodes entities and collapses whitespace', () => {
    expect(
      htmlToText(
        '<a href="//commons.wikimedia.org/wiki/User:J%C3%B6rg" title="User:Jörg">J&ouml;rg &amp; Anna</a>\n<br/>  (<span class="x">talk</span>)&nbsp;&#169;&#x263A;',
      ),
    ).toBe('Jörg & Anna (talk) ©☺');
  });

  it('drops script and style contents', () => {
    expect(htmlToText('a<style>.x{}</style>b<script>alert(1)</script>c')).toBe('a b c');
  });
});

describe('parseLicense', () => {
  it('reads a CC BY-SA record as Commons sends it (HTML values, plain-text forms kept too)', () => {
    const verdict = parseLicense(
      'File:Example.ogg',
      SOURCE,
      m({
        License: 'cc-by-sa-4.0',
        LicenseShortName: 'CC BY-SA 4.0',
        LicenseUrl: 'https://creativecommons.org/licenses/by-sa/4.0',
        UsageTerms: 'Creative Commons Attribution-Share Alike 4.0',
        AttributionRequired: 'true',
        Copyrighted: 'True',
        Artist:
          '<a href="//commons.wikimedia.org/wiki/User:Example" title="User:Example">Ex &amp; Ample</a>',
        Credit: '<span class="int-own-work" lang="en">Own work</span>',
        ImageDescription: '<p>A <b>bird</b> singing</p>',
        ObjectName: 'Bird &quot;song&quot;',
      }),
    );
    expect(verdict).toEqual({
      ok: true,
      record: {
        title: 'File:Example.ogg',
        author: 'Ex & Ample',
        authorHtml:
          '<a href="//commons.wikimedia.org/wiki/User:Example" title="User:Example">Ex &amp; Ample</a>',
        credit: 'Own work',
        creditHtml: '<span class="int-own-work" lang="en">Own work</span>',
        source: SOURCE,
        license: 'CC BY-SA 4.0',
        licenseUrl: 'https://creativecommons.org/licenses/by-sa/4.0',
        licenseKind: 'cc-by-sa',
        usageTerms: 'Creative Commons Attribution-Share Alike 4.0',
        attributionRequired: true,
        copyrighted: true,
        description: 'A bird singing',
        descriptionHtml: '<p>A <b>bird</b> singing</p>',
        objectName: 'Bird "song"',
      },
    });
  });

  it.each([
    [{ LicenseShortName: 'CC0', AttributionRequired: 'false' }, 'cc0', false],
    [
      { LicenseShortName: 'Public domain', Copyrighted: 'False', AttributionRequired: 'false' },
      'public-domain',
      false,
    ],
    [{ LicenseShortName: 'PD-old-70' }, 'public-domain', false],
    [
      { LicenseShortName: 'CC BY 3.0', LicenseUrl: 'https://creativecommons.org/licenses/by/3.0' },
      'cc-by',
      true,
    ],
    [{ LicenseShortName: 'CC-BY-SA-3.0-de' }, 'cc-by-sa', true],
    [{ LicenseShortName: 'GFDL', UsageTerms: 'GNU Free Documentation License' }, 'gfdl', true],
    [{ LicenseShortName: 'FAL', UsageTerms: 'Free Art License' }, 'free-art', true],
    [{ LicenseShortName: 'GPL' }, 'gpl', true],
    [{ LicenseShortName: 'LGPL' }, 'lgpl', true],
    [{ LicenseShortName: 'Attribution' }, 'other-free', true],
    [{ LicenseUrl: 'https://creativecommons.org/publicdomain/zero/1.0/' }, 'cc0', false],
  ] as const)('keeps %j as %s', (fields, kind, attribution) => {
    const verdict = parseLicense('File:X.ogg', SOURCE, m({ ...fields, Artist: 'Someone' }));
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.record.licenseKind).toBe(kind);
    expect(verdict.record.attributionRequired).toBe(attribution);
  });

  it.each([
    [{ LicenseShortName: 'CC BY-NC-SA 4.0' }, 'non-commercial'],
    [{ LicenseShortName: 'CC BY-NC 2.0' }, 'non-commercial'],
    [{ UsageTerms: 'Creative Commons Attribution-NonCommercial 3.0' }, 'non-commercial'],
    [{ LicenseShortName: 'CC BY-ND 4.0' }, 'no-derivatives'],
    [{ LicenseUrl: 'https://creativecommons.org/licenses/by-nd/2.0/' }, 'no-derivatives'],
    [{ LicenseShortName: 'Fair use', NonFree: 'true' }, 'non-free'],
    [{ LicenseShortName: 'CC BY-SA 3.0', NonFree: 'true' }, 'non-free'],
    [{ LicenseShortName: 'All rights reserved' }, 'non-free'],
    [{ LicenseShortName: 'Some custom terms' }, 'unparseable'],
    [{ Artist: 'Only an artist' }, 'unparseable'],
  ] as const)('refuses %j as %s', (fields, reason) => {
    const verdict = parseLicense('File:X.ogg', SOURCE, m({ Artist: 'Someone', ...fields }));
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reason).toBe(reason);
  });

  it('refuses a license that requires attribution when no author is named', () => {
    const verdict = parseLicense('File:X.ogg', SOURCE, m({ LicenseShortName: 'CC BY 4.0' }));
    expect(verdict).toMatchObject({ ok: false, reason: 'no-author' });
  });

  it('uses Credit when Artist is missing, and needs no author for CC0', () => {
    const credited = parseLicense(
      'File:X.ogg',
      SOURCE,
      m({ LicenseShortName: 'CC BY 4.0', Credit: '<i>NASA</i>' }),
    );
    expect(credited.ok && credited.record.author).toBe('NASA');
    const cc0 = parseLicense('File:X.ogg', SOURCE, m({ LicenseShortName: 'CC0' }));
    expect(cc0.ok && cc0.record.author).toBe('Unknown author');
  });

  it('refuses a file without extmetadata', () => {
    expect(parseLicense('File:X.ogg', SOURCE, undefined)).toMatchObject({
      ok: false,
      reason: 'unparseable',
    });
  });
});
