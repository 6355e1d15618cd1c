import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { vi } from 'vitest';
import { main } from '../../src/cli/program.js';
import { repoRoot } from './shared.js';

export interface CliResult {
  /** The exit code `commonsynth` would end with. */
  code: number;
  out: string;
  err: string;
}

/**
 * Run the CLI in-process (the same `main` as the binary), capturing stdout and stderr. A failed
 * job sets process.exitCode, so it is cleared before and after each command: every result speaks
 * of its own command only.
 */
export async function cli(...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    process.exitCode = undefined;
    return { code: await main(['node', 'commonsynth', ...args]), out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    process.exitCode = undefined;
  }
}

/** The built CLI (`npm run build`), for tests that need a real process. */
export const builtCli = join(repoRoot, 'dist', 'cli', 'main.js');

/** Run the built CLI in a child process; a non-zero exit is returned, not thrown. */
export async function runBuiltCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeout?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [builtCli, ...args], {
      env: options.env === undefined ? process.env : { ...process.env, ...options.env },
      timeout: options.timeout,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
