import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBounds, parseNumber } from '../../src/cli/commands/parse.js';
import { buildProgram } from '../../src/cli/program.js';
import { cli } from '../helpers/cli.js';
import { corpusDir, corpusManifest } from '../helpers/shared.js';

/**
 * Every numeric option goes through the shared parsers (src/cli/commands/parse.ts). Checked from
 * the program itself: every option of every command whose value is a number (by its placeholder:
 * <n>, <seconds>, <t>, …) is given junk, and each must be refused as a usage error naming it
 * before any work starts, however the command parses it.
 */
const NUMERIC = /^<(n|seconds|s|t|hz|mbps|w|amount|dbfs|p|f\[,f…\]|min:max|minutes)>$/;

let work: string;
let audio: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-numeric-'));
  process.env.COMMONSYNTH_HOME = join(work, 'home');
  audio = join(corpusDir(), corpusManifest()[0].file);
});
afterAll(async () => {
  delete process.env.COMMONSYNTH_HOME;
  await rm(work, { recursive: true, force: true });
});

/** Each leaf command with its path ("dataset ls") and the arguments that make it runnable. */
function leafCommands(command: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  const out: { path: string[]; cmd: Command }[] = [];
  for (const sub of command.commands) {
    const p = [...path, sub.name()];
    if (sub.commands.length > 0) out.push(...leafCommands(sub, p));
    else out.push({ path: p, cmd: sub });
  }
  return out;
}

function requiredArgs(path: string[], cmd: Command): string[] {
  const args: string[] = [];
  if (path.join(' ') === 'model fetch') args.push('nsynth');
  else {
    // A variadic argument gets two (mashup needs two sources).
    for (const a of cmd.registeredArguments)
      if (a.required) args.push(audio, ...(a.variadic ? [audio] : []));
  }
  for (const o of cmd.options as readonly Option[]) {
    if (!o.mandatory) continue;
    const flag = o.long as string;
    args.push(flag, flag === '--name' ? 'numeric-test' : join(work, 'out', path.join('-')));
  }
  if (path[0] === 'run') args.push('--source', corpusDir());
  if (path[0] === 'curate') args.push('--theme', 'nature', '--contact', 'test@example.org');
  return args;
}

const cases = leafCommands(buildProgram()).flatMap(({ path, cmd }) =>
  (cmd.options as readonly Option[])
    .filter((o) => o.long !== undefined && NUMERIC.test(o.flags.split(' ').at(-1) ?? ''))
    .map((o) => ({ path, cmd, flag: o.long as string })),
);

describe('every numeric option refuses junk as a usage error naming it', () => {
  it('finds the numeric options (a sanity check on the walk)', () => {
    const names = cases.map((c) => `${c.path.join(' ')} ${c.flag}`);
    for (const expected of [
      'run --temperature',
      'run --pairs',
      'eval --max-seconds',
      'synth --threads',
      'prep --rate',
    ]) {
      expect(names).toContain(expected);
    }
  });

  for (const { path, cmd, flag } of cases) {
    for (const junk of ['abc', 'NaN', '-Infinity']) {
      it(`${path.join(' ')} ${flag} ${junk}`, async () => {
        const result = await cli(...path, ...requiredArgs(path, cmd), `${flag}=${junk}`);
        expect(result.err).toContain(`${flag} must be`);
        expect(result.code).toBe(2);
      });
    }
  }
});

describe('the bounds the issue found wrong', () => {
  const run = (...args: string[]) =>
    cli('run', '--source', corpusDir(), '--out', join(work, 'run'), ...args);

  it('run --temperature -1 is refused (it exited 0)', async () => {
    const r = await run('--temperature', '-1');
    expect([r.code, r.err]).toEqual([
      2,
      expect.stringContaining('--temperature must be a non-negative number, got -1'),
    ]);
  });

  it('run --pairs -1 and 0: "a positive integer" (it said non-negative, and 0 failed later)', async () => {
    for (const pairs of ['-1', '0']) {
      const r = await run('--pairs', pairs);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--pairs must be a positive integer, got ${pairs}`);
    }
  });

  it('--threads 0 is a usage error, not an ONNX Runtime error', async () => {
    for (const args of [
      ['run', '--source', corpusDir(), '--out', join(work, 'run')],
      ['eval', audio],
      ['encode', audio, '--out', join(work, 'enc')],
      ['synth', audio, '--out', join(work, 'syn')],
    ]) {
      const r = await cli(...args, '--threads', '0');
      expect(r.code).toBe(2);
      expect(r.err).toContain('--threads must be an integer from 1 to 1024, got 0');
    }
  });

  it('eval --max-seconds 0 is refused', async () => {
    const r = await cli('eval', audio, '--max-seconds', '0');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--max-seconds must be a positive number, got 0');
  });

  it('no message says "at least 5e-324"', async () => {
    const mashup = await cli(
      'mashup',
      audio,
      audio,
      '--out',
      join(work, 'm.json'),
      '--length',
      '0',
    );
    const sequence = await cli('sequence', audio, '--out', join(work, 's.wav'), '--length', '0');
    for (const r of [mashup, sequence]) {
      expect(r.code).toBe(2);
      expect(r.err).not.toContain('5e-324');
      expect(r.err).toContain('--length must be a positive number, got 0');
    }
  });

  it('describes bounds in words', () => {
    expect(describeBounds({ min: 0 })).toBe('a non-negative number');
    expect(describeBounds({ above: 0 })).toBe('a positive number');
    expect(describeBounds({ min: 1, integer: true })).toBe('a positive integer');
    expect(describeBounds({ min: 0, max: 1 })).toBe('a number from 0 to 1');
    expect(describeBounds({ max: 0 })).toBe('a number of at most 0');
    expect(() => parseNumber(' ', '--x')).toThrow('--x must be a number, got " "');
    expect(parseNumber('1e3', '--x', { integer: true, min: 1000 })).toBe(1000);
  });
});
