import { UsageError } from '../errors.js';

/** Downmixes any number of channels (stereo, 5.1, …) to mono by averaging them. */
export function toMono(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 0) throw new UsageError('toMono: no channels given');
  const length = channels[0].length;
  for (const channel of channels) {
    if (channel.length !== length) {
      throw new UsageError(`toMono: channels differ in length (${length} and ${channel.length})`);
    }
  }
  if (channels.length === 1) return channels[0].slice();
  const mono = new Float32Array(length);
  // Accumulate in float32 channel by channel (cache-friendly), scaling once at the end.
  for (const channel of channels) {
    for (let i = 0; i < length; i++) mono[i] += channel[i];
  }
  const scale = 1 / channels.length;
  for (let i = 0; i < length; i++) mono[i] *= scale;
  return mono;
}
