/**
 * Issue 12, defect 5: two `curate`s on one --data crashed one another ("database is locked",
 * "table files already exists", ENOENT on a `.partial`). The second now stops at once with a
 * clear message while the first finishes whole; processes opening a new manifest at once all
 * succeed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommonsFixture, FIXTURE_ROOT } from '../../src/commons/fixture/index.js';
import { LOCK_FILE } from '../../src/dataset/lock.js';
import { openManifest } from '../../src/dataset/manifest.js';
import { CONTACT, startFixture, tempDir } from '../commons/fixture.js';
import { repoRoot } from '../helpers/shared.js';

let fixture: CommonsFixture;
let temp: { dir: string; cleanup: () => void };
beforeAll(async () => {
  // Slow enough that the first curate is still running when the second starts.
  fixture = await startFixture({ apiDelayMs: 40, throttleBytesPerSecond: 800_000 });
  temp = tempDir();
});
afterAll(async () => {
  await fixture.close();
  temp.cleanup();
});

interface Child {
  child: ChildProcess;
  exited: Promise<number | null>;
  out: () => string;
  err: () => string;
}

function node(args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: repoRoot,
    env: { ...process.env, COMMONSYNTH_CONTACT: CONTACT },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => out, err: () => err };
}

const curate = (dataDir: string): Child =>
  node([
    join(repoRoot, 'src', 'cli', 'main.ts'),
    'curate',
    '--api',
    fixture.apiUrl,
    '--category',
    FIXTURE_ROOT,
    '--depth',
    '3',
    '--data',
    dataDir,
    '--json',
  ]);

describe('two curates on one data folder', () => {
  it('the second stops at once with a clear message; the first finishes whole', async () => {
    const data = join(temp.dir, 'data');
    const first = curate(data);
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(data, LOCK_FILE))) {
      if (Date.now() > deadline) throw new Error(`the first curate never started: ${first.err()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const second = curate(data);
    const secondCode = await second.exited;
    expect(secondCode).toBe(1);
    expect(second.err()).toMatch(
      new RegExp(
        `another curate \\(pid ${first.child.pid}, since .*\\) is working on this data folder`,
      ),
    );
    expect(second.err()).not.toMatch(/database is locked|already exists|ENOENT|at .*:\d+:\d+/);

    expect(await first.exited, first.err()).toBe(0);
    const summary = JSON.parse(first.out());
    expect(summary).toMatchObject({ crawlComplete: true, failed: [] });
    expect(existsSync(join(data, LOCK_FILE))).toBe(false);

    // The folder is free again: a third run finds everything done.
    const third = curate(data);
    expect(await third.exited, third.err()).toBe(0);
    expect(JSON.parse(third.out())).toMatchObject({ downloaded: 0, failed: [] });
  }, 180_000);

  it('processes opening one new manifest at the same moment all succeed', async () => {
    const data = join(temp.dir, 'fresh');
    const script = `import { openManifest } from ${JSON.stringify(join(repoRoot, 'src', 'dataset', 'manifest.ts'))};
const m = openManifest(${JSON.stringify(data)}); m.close();`;
    const children = Array.from({ length: 6 }, () => node(['--input-type=module', '-e', script]));
    const codes = await Promise.all(children.map((c) => c.exited));
    expect(
      codes.map((code, i) =>
        code === 0
          ? 'ok'
          : children[i]
              .err()
              .split('\n')
              .find((l) => /Error/.test(l)),
      ),
    ).toEqual(children.map(() => 'ok'));
    const manifest = openManifest(data);
    expect(manifest.schemaVersion).toBeGreaterThan(0);
    manifest.close();
  }, 120_000);
});
