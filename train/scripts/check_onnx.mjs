// ONNX parity and speed check for a parallel-ae package, run with onnxruntime-node:
//   node train/scripts/check_onnx.mjs PACKAGE_DIR REFERENCE_DIR [threads]
// REFERENCE_DIR comes from train/scripts/onnx_reference.py (PyTorch's outputs for the same input).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

const [pkg, ref, threadsArg] = process.argv.slice(2);
const threads = Number(threadsArg ?? 2);
const shapes = JSON.parse(readFileSync(join(ref, 'shapes.json'), 'utf8'));
const f32 = (name) => {
  const b = readFileSync(join(ref, name));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const opts = { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
const enc = await ort.InferenceSession.create(join(pkg, 'encoder.onnx'), opts);
const dec = await ort.InferenceSession.create(join(pkg, 'decoder.onnx'), opts);
const audio = f32('audio.f32');
const lat = (await enc.run({ audio: new ort.Tensor('float32', audio, shapes.audio) })).latents;
// Decoders with a noise input (harmonic-plus-noise) get the reference's own noise.
const noisy = dec.inputNames.includes('noise');
const noiseFeed = (samples, noise) => (noisy ? { noise: new ort.Tensor('float32', noise, [1, samples]) } : {});
const refLatents = f32('latents.f32');
const refSamples = shapes.latents[1] * 512;
const out = (
  await dec.run({
    latents: new ort.Tensor('float32', refLatents, shapes.latents),
    ...noiseFeed(refSamples, existsSync(join(ref, 'noise.f32')) ? f32('noise.f32') : new Float32Array(refSamples)),
  })
).audio;
function rel(a, b) {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  return maxDiff / maxRef;
}
const result = {
  latentsShape: lat.dims,
  audioShape: out.dims,
  latentsRelErr: rel(lat.data, f32('latents.f32')),
  audioRelErr: rel(out.data, f32('decoded.f32')),
  // An oscillator integrates f0: float32 differences in f0 (1e-7) become phase drift that grows with
  // time, so the first half second is also reported on its own.
  audioHeadRelErr: rel(out.data.subarray(0, 8192), f32('decoded.f32').subarray(0, 8192)),
};
// Speed: encode + decode 60 s of audio (the reference clip tiled), one stream.
const seconds = 60;
const n = Math.floor((16000 * seconds) / 512) * 512;
const long = new Float32Array(n);
for (let i = 0; i < n; i++) long[i] = audio[i % audio.length];
const t0 = performance.now();
const l2 = (await enc.run({ audio: new ort.Tensor('float32', long, [1, n]) })).latents;
const t1 = performance.now();
await dec.run({ latents: l2, ...noiseFeed(n, new Float32Array(n).map(() => Math.random() - 0.5)) });
const t2 = performance.now();
result.threads = threads;
result.encodeSeconds = (t1 - t0) / 1000;
result.decodeSeconds = (t2 - t1) / 1000;
result.realTimeFactor = seconds / ((t2 - t0) / 1000);
console.log(JSON.stringify(result, null, 1));
