import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/shared.js';

/**
 * `commonsynth … | head -1`: the reader goes away before the CLI has written all it has. The
 * next write fails with EPIPE, which must end the CLI quietly, not with an unhandled stack trace.
 */
describe('a closed stdout (EPIPE)', () => {
  it('ends the CLI quietly when the reader of its output has gone', () => {
    const main = join(repoRoot, 'src', 'cli', 'main.ts');
    // `true` exits at once, long before node has started: every write of the CLI meets a closed
    // pipe. --help writes its text with one stdout write, like every command's report.
    const shell = `"${process.execPath}" --import tsx "${main}" --help | true; echo "status=\${PIPESTATUS[0]}" >&2`;
    const result = spawnSync('bash', ['-c', shell], { cwd: repoRoot, encoding: 'utf8' });
    expect(result.stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
    expect(result.stderr).toMatch(/status=0/);
  }, 60_000);
});
