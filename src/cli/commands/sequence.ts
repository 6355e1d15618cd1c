import type { Command } from 'commander';
import { AUDIO_FORMATS, type AudioFormat, type WavSampleFormat } from '../../audio/index.js';
import { FADE_SHAPES, type FadeShape } from '../../mashup/index.js';
import { MASTER_MODES, type MasterMode, sequenceFiles } from '../../sequencer/index.js';
import {
  POSITIVE,
  POSITIVE_INTEGER,
  parseChoice,
  parseNumber,
  parseRange,
  parseSeed,
} from './parse.js';

interface SequenceCliOptions {
  out: string;
  length: string;
  seed: string;
  overlap: string;
  crossfade: string;
  gapProbability: string;
  gap: string;
  bpm?: string;
  beatsPerBar: string;
  snap: string;
  master: string;
  peak: string;
  format?: string;
  sampleFormat: string;
  sampleRate: string;
  credits: boolean;
  loudness: string;
}

const FORMATS = ['pcm16', 'float32'] as const;

export function register(program: Command): void {
  program
    .command('sequence')
    .description(
      'stitch clips into a track of an exact length: seeded order, overlaps with equal-power cross-fades, optional gaps and tempo grid, peak-safe master',
    )
    .argument('<clips...>', 'audio clips (any supported format; resampled to --sample-rate)')
    .requiredOption('--out <track.wav>', 'the track to write')
    .option('--length <seconds>', 'track length', '120')
    .option('--seed <n>', 'seed of the order, overlaps and gaps', '0')
    .option('--overlap <min:max>', 'seconds consecutive clips overlap (cross-fade)', '0.5:2')
    .option('--crossfade <shape>', `cross-fade shape: ${FADE_SHAPES.join(', ')}`, 'equal-power')
    .option('--gap-probability <p>', 'chance that a join is a gap of silence instead', '0')
    .option('--gap <min:max>', 'seconds of silence in a gap', '0.5:2')
    .option('--bpm <n>', 'snap clip starts to a tempo grid of this many beats per minute')
    .option('--beats-per-bar <n>', 'beats per bar of the grid', '4')
    .option('--snap <unit>', 'snap to beat or bar', 'beat')
    .option('--master <mode>', `master: ${MASTER_MODES.join(', ')}`, 'limiter')
    .option('--peak <dbtp>', 'true-peak ceiling in dBTP (4x oversampled)', '-1')
    .option('--loudness <lufs>', 'integrated loudness every clip is matched to (LUFS)', '-16')
    .option(
      '--format <format>',
      `file format: ${AUDIO_FORMATS.join(', ')} (default: from --out's extension, else wav; pcm16/float32 still mean a WAV of that sample format)`,
    )
    .option('--sample-format <format>', `WAV sample format: ${FORMATS.join(', ')}`, 'pcm16')
    .option('--sample-rate <hz>', 'sample rate of the track', '16000')
    .option('--no-credits', 'do not write credits.json / CREDITS.txt beside the track')
    .action(async (clips: string[], options: SequenceCliOptions) => {
      const gapProbability = parseNumber(options.gapProbability, '--gap-probability', {
        min: 0,
        max: 1,
      });
      // Parsed even when unused (no gaps, no --bpm), so junk is never silently ignored.
      const gapSeconds = parseRange(options.gap, '--gap');
      const beatsPerBar = parseNumber(options.beatsPerBar, '--beats-per-bar', POSITIVE_INTEGER);
      const result = await sequenceFiles(clips, {
        out: options.out,
        lengthSeconds: parseNumber(options.length, '--length', POSITIVE),
        seed: parseSeed(options.seed),
        sampleRate: parseNumber(options.sampleRate, '--sample-rate', POSITIVE_INTEGER),
        overlapSeconds: parseRange(options.overlap, '--overlap'),
        crossfade: parseChoice<FadeShape>(options.crossfade, '--crossfade', FADE_SHAPES),
        gaps: gapProbability > 0 ? { probability: gapProbability, seconds: gapSeconds } : undefined,
        tempo:
          options.bpm === undefined
            ? undefined
            : {
                bpm: parseNumber(options.bpm, '--bpm', POSITIVE),
                beatsPerBar,
                snap: parseChoice(options.snap, '--snap', ['beat', 'bar'] as const),
              },
        master: parseChoice<MasterMode>(options.master, '--master', MASTER_MODES),
        peakDbfs: parseNumber(options.peak, '--peak', { max: 0 }),
        loudnessLufs: parseNumber(options.loudness, '--loudness', { max: 0 }),
        // --format pcm16|float32 was the WAV sample format before other file formats existed.
        ...(options.format === 'pcm16' || options.format === 'float32'
          ? { format: options.format, audioFormat: 'wav' as const }
          : {
              format: parseChoice<WavSampleFormat & (typeof FORMATS)[number]>(
                options.sampleFormat,
                '--sample-format',
                FORMATS,
              ),
              audioFormat:
                options.format === undefined
                  ? undefined
                  : parseChoice<AudioFormat>(options.format, '--format', AUDIO_FORMATS),
            }),
        creditsDir: options.credits ? undefined : false,
      });
      const { track } = result;
      const lines = [
        `track: ${options.out} (${(track.audio.length / track.sampleRate).toFixed(3)} s, ${track.placements.length} placements of ${new Set(track.placements.map((p) => p.clip)).size} clips)`,
        `master gain: ${(20 * Math.log10(track.masterGain)).toFixed(2)} dB`,
        `loudness: ${track.loudness.integratedLufs.toFixed(1)} LUFS integrated, LRA ${track.loudness.loudnessRangeLu.toFixed(1)} LU, true peak ${track.loudness.truePeakDbtp.toFixed(1)} dBTP, short-term spread ${track.loudness.shortTermSpreadLu.toFixed(1)} LU`,
      ];
      if (result.credits) lines.push(`credits: credits.json, CREDITS.txt beside the track`);
      if (result.uncredited.length > 0) {
        lines.push(`clips without credits: ${result.uncredited.join(', ')}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
