import cliProgress from 'cli-progress';

/** A progress display for long work: a bar with rate and ETA on a terminal, silent otherwise. */
export interface Progress {
  /** Advance by `delta` units; `label` names the item now being worked on. */
  tick(delta?: number, label?: string): void;
  /** Change the total, e.g. once a crawl has counted its work. */
  setTotal(total: number): void;
  stop(): void;
}

export interface ProgressOptions {
  /** What is being counted, e.g. "files" or "samples". */
  unit: string;
  total: number;
  /** Force the bar on or off; by default it shows only when stderr is a terminal. */
  enabled?: boolean;
}

export function createProgress(title: string, options: ProgressOptions): Progress {
  const enabled = options.enabled ?? Boolean(process.stderr.isTTY);
  if (!enabled) {
    return { tick() {}, setTotal() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${title} [{bar}] {percentage}% | {value}/{total} ${options.unit} | {rate}/s | ETA {eta_formatted} | {label}`,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let value = 0;
  bar.start(options.total, 0, { rate: '0', label: '' });
  return {
    tick(delta = 1, label = '') {
      value += delta;
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? value / seconds : 0;
      bar.update(value, { rate: rate >= 100 ? rate.toFixed(0) : rate.toFixed(2), label });
    },
    setTotal(total: number) {
      bar.setTotal(total);
    },
    stop() {
      bar.stop();
    },
  };
}
