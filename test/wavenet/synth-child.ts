/**
 * Child process for the kill-and-resume test: generates with a checkpoint, optionally slowed
 * down so the parent can kill it mid-run, and writes the audio as raw float32 when it finishes.
 * Usage: synth-child.ts <checkpoint> <out.f32> <slow ms per step>
 */
import { writeFileSync } from 'node:fs';
import { createWaveNetGenerator } from '../../src/model/wavenet/generator.js';
import { resumeJob } from './resume-job.js';

const [checkpoint, out, slow] = process.argv.slice(2);
const delay = Number(slow);
const generator = await createWaveNetGenerator(resumeJob.model, { threads: 1 });
let first = -1;
const audio = await generator.generate(resumeJob.embeddings, {
  ...resumeJob.options,
  checkpoint: { path: checkpoint, everySteps: 25, everySeconds: 3600 },
  onProgress: ({ step }) => {
    if (first < 0) {
      first = step;
      process.stdout.write(`start ${step - 1}\n`);
    }
    const until = Date.now() + delay;
    while (Date.now() < until) {
      // Busy-wait: keeps this step slow so the parent can kill mid-run.
    }
  },
});
const joined = new Float32Array(audio.reduce((n, a) => n + a.length, 0));
let offset = 0;
for (const a of audio) {
  joined.set(a, offset);
  offset += a.length;
}
writeFileSync(out, new Uint8Array(joined.buffer));
process.stdout.write('done\n');
