/**
 * What the commands share about their output: exit codes and the formatters more than one command
 * uses. Its own module, below program.ts and the commands, so that commands never import the
 * program that registers them (that was an import cycle).
 */
import type { FileJobResult } from '../model/wavenet/jobs.js';

/** Exit codes: 0 success, 1 some work failed, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A size for people: "512 B", "1.5 KiB", "230 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/** Plain-text summary of an encode or synth job. */
export function formatFileJob(verb: string, result: FileJobResult): string {
  const lines = result.outputs.map(
    (o) => `${o.output}  (${o.frames} frames, ${o.seconds.toFixed(2)} s)`,
  );
  // Our typed errors already start with the file's name; others get it put in front.
  for (const f of result.failures) {
    lines.push(`failed: ${f.error.startsWith(f.input) ? f.error : `${f.input}: ${f.error}`}`);
  }
  lines.push(
    `${verb} ${result.outputs.length} file(s) with model ${result.model.name} (${result.model.family})` +
      (result.failures.length > 0 ? `, ${result.failures.length} failed` : ''),
  );
  return lines.join('\n');
}
