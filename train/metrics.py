"""The quality measure of issue 6, mirroring src/eval (TypeScript) exactly; docs/training.md has the
definition. numpy float64 so that both implementations agree to ~1e-6."""

from __future__ import annotations

import math

import numpy as np

STFT_SIZES = (2048, 1024, 512, 256, 128)
MAG_FLOOR = 1e-5
MEL_BANDS, MEL_FFT, MEL_HOP, MEL_FMIN, MEL_FMAX = 80, 1024, 256, 0.0, 8000.0
MEL_POWER_FLOOR, MEL_TOP_DB = 1e-10, 80.0
NOISE_BASELINE_DB = -20.0
BASELINE_SEED = 1234
SAMPLE_RATE = 16000


def stft_magnitude(x: np.ndarray, n_fft: int, hop: int, power: bool = False) -> np.ndarray:
    """torch.stft(center=True, pad_mode='reflect', periodic Hann) magnitudes: [frames, n_fft/2+1],
    frames = 1 + len // hop."""
    x = np.asarray(x, dtype=np.float64)
    pad = n_fft // 2
    if pad >= len(x):
        raise ValueError(f"clip of {len(x)} samples is too short for reflect padding of {pad} samples")
    xp = np.pad(x, pad, mode="reflect")
    frames = 1 + len(x) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    spec = np.fft.rfft(xp[idx] * win, axis=1)
    p = spec.real**2 + spec.imag**2
    return p if power else np.sqrt(p)


def stft_distance_at(orig: np.ndarray, rec: np.ndarray, n_fft: int) -> tuple[float, float]:
    s = np.maximum(stft_magnitude(orig, n_fft, n_fft // 4), MAG_FLOOR)
    r = np.maximum(stft_magnitude(rec, n_fft, n_fft // 4), MAG_FLOOR)
    sc = float(np.sqrt(np.sum((s - r) ** 2)) / np.sqrt(np.sum(s**2)))
    log_mag = float(np.mean(np.abs(np.log(s) - np.log(r))))
    return sc, log_mag


def mr_stft_distance(orig: np.ndarray, rec: np.ndarray) -> dict:
    """Spectral convergence and mean |ln S - ln Ŝ|, each averaged over the five FFT sizes."""
    _check(orig, rec)
    scs, lms = zip(*(stft_distance_at(orig, rec, n) for n in STFT_SIZES))
    sc, lm = float(np.mean(scs)), float(np.mean(lms))
    return {"sc": sc, "logMag": lm, "total": sc + lm}


def hz_to_mel_htk(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz_htk(mel):
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(sr: int = SAMPLE_RATE, n_fft: int = MEL_FFT, n_mels: int = MEL_BANDS,
                   fmin: float = MEL_FMIN, fmax: float = MEL_FMAX) -> np.ndarray:
    """HTK mel scale, no area normalisation (peak 1): triangles between n_mels+2 equally spaced mel
    points evaluated at bin frequencies k*sr/n_fft (torchaudio.functional.melscale_fbanks's default)."""
    bins = n_fft // 2 + 1
    f = np.arange(bins) * sr / n_fft
    pts = mel_to_hz_htk(np.linspace(hz_to_mel_htk(fmin), hz_to_mel_htk(fmax), n_mels + 2))
    # Same arithmetic order as src/eval/mel.ts: mel_min + (mel_max - mel_min) * i / (n_mels + 1).
    mmin, mmax = float(hz_to_mel_htk(fmin)), float(hz_to_mel_htk(fmax))
    pts = mel_to_hz_htk(mmin + (mmax - mmin) * np.arange(n_mels + 2) / (n_mels + 1))
    lo, mid, hi = pts[:-2, None], pts[1:-1, None], pts[2:, None]
    up = (f[None, :] - lo) / (mid - lo)
    down = (hi - f[None, :]) / (hi - mid)
    return np.maximum(0.0, np.minimum(up, down))


_MEL_FB = None


def log_mel_db(x: np.ndarray) -> np.ndarray:
    global _MEL_FB
    if _MEL_FB is None:
        _MEL_FB = mel_filterbank()
    p = stft_magnitude(x, MEL_FFT, MEL_HOP, power=True)
    return 10.0 * np.log10(np.maximum(p @ _MEL_FB.T, MEL_POWER_FLOOR))


def log_mel_l1_db(orig: np.ndarray, rec: np.ndarray) -> float:
    """Mean |dB difference|, both floored at (peak of the ORIGINAL's log-mel − 80 dB)."""
    _check(orig, rec)
    a, b = log_mel_db(orig), log_mel_db(rec)
    floor = a.max() - MEL_TOP_DB
    return float(np.mean(np.abs(np.maximum(a, floor) - np.maximum(b, floor))))


def evaluate(orig: np.ndarray, rec: np.ndarray) -> dict:
    """The spectral distances of `rec` against `orig`, and the listening measures of `rec`
    (periodicity, gridShare: of `rec` alone; pitchKept: against `orig`; None where N/A)."""
    return {"stft": mr_stft_distance(orig, rec), "logMelL1Db": log_mel_l1_db(orig, rec),
            **listening_scores(orig, rec)}


# ---- listening measures (issue 10), mirroring src/eval/listening.ts; docs/models.md "Measures" ----

HIGH_PASS_HZ, HIGH_PASS_TAPS = 1000.0, 511
PERIODICITY_LAGS = (512, 1024)
LTAS_FFT, LTAS_HOP, LTAS_POWER_FLOOR = 16384, 8192, 1e-20
PEAK_LOW_HZ, PEAK_HIGH_HZ = 1000.0, 7000.0
PROMINENCE_DB, PROMINENCE_BINS, PEAK_RANGE_DB = 10.0, 64, 60.0
GRID_HZ, GRID_TOLERANCE_HZ = 31.25, 1.5625
YIN_THRESHOLD, YIN_FMIN, YIN_FMAX, YIN_FRAME, YIN_HOP, YIN_WINDOW = 0.15, 70.0, 800.0, 1024, 256, 512
PITCH_TOLERANCE = 0.2
MIN_VOICED_FRAMES, MIN_VOICED_SHARE = 16, 0.2

_HIGH_PASS = None


def high_pass_kernel() -> np.ndarray:
    """δ[n − M] minus a Blackman-windowed sinc low-pass at 1 kHz with unit DC gain (511 taps,
    M = 255), built from the centre outwards so that it is exactly symmetric, as in TypeScript."""
    global _HIGH_PASS
    if _HIGH_PASS is None:
        taps, m = HIGH_PASS_TAPS, (HIGH_PASS_TAPS - 1) // 2
        fc = HIGH_PASS_HZ / SAMPLE_RATE
        lp = np.empty(m + 1)
        for n in range(m + 1):
            k = m - n
            w = 0.42 - 0.5 * math.cos(2 * math.pi * k / (taps - 1)) + 0.08 * math.cos(4 * math.pi * k / (taps - 1))
            sinc = 2 * fc if n == 0 else math.sin(2 * math.pi * fc * n) / (math.pi * n)
            lp[n] = sinc * w
        total = lp[0]
        for n in range(1, m + 1):
            total += 2 * lp[n]
        h = np.empty(taps)
        h[m:] = -lp / total
        h[:m + 1] = (-lp / total)[::-1]
        h[m] += 1.0
        _HIGH_PASS = h
    return _HIGH_PASS


def high_passed(x: np.ndarray) -> np.ndarray:
    """The >1 kHz band: the FIR where it fully overlaps the signal ('valid', len − 510 samples)."""
    x = np.asarray(x, dtype=np.float64)
    h = high_pass_kernel()
    if len(x) < len(h):
        return np.zeros(0)
    return np.correlate(x, h, mode="valid")


def normalised_autocorrelation(y: np.ndarray, lag: int) -> float:
    """Σ y[n]y[n+L] / sqrt(Σ y[n]² Σ y[n+L]²) over the overlapping part; 0 if either part is silent."""
    a, b = y[: len(y) - lag], y[lag:]
    e1, e2 = float(np.dot(a, a)), float(np.dot(b, b))
    return float(np.dot(a, b)) / math.sqrt(e1 * e2) if e1 > 0 and e2 > 0 else 0.0


def frame_periodicity(x: np.ndarray):
    """Mean normalised autocorrelation of the >1 kHz band at lags 512 and 1024; None if too short."""
    y = high_passed(x)
    if len(y) < 2 * PERIODICITY_LAGS[-1]:
        return None
    return float(sum(normalised_autocorrelation(y, lag) for lag in PERIODICITY_LAGS) / len(PERIODICITY_LAGS))


def long_term_spectrum_db(x: np.ndarray) -> np.ndarray:
    """Welch LTAS: 16384-sample periodic-Hann frames every 8192 (whole frames; one zero-padded
    frame for a shorter clip), mean power, floored at 1e-20, in dB."""
    x = np.asarray(x, dtype=np.float64)
    n = LTAS_FFT
    if len(x) <= n:
        frames = np.zeros((1, n))
        frames[0, : len(x)] = x
    else:
        count = 1 + (len(x) - n) // LTAS_HOP
        frames = x[np.arange(n)[None, :] + LTAS_HOP * np.arange(count)[:, None]]
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
    spec = np.fft.rfft(frames * win, axis=1)
    power = np.mean(spec.real**2 + spec.imag**2, axis=0)
    return 10.0 * np.log10(np.maximum(power, LTAS_POWER_FLOOR))


def prominent_peaks(db: np.ndarray) -> np.ndarray:
    """Frequencies (Hz) of the strict local maxima in 1–7 kHz that stand ≥ 10 dB above the median
    of ±64 bins and within 60 dB of the band's loudest bin, parabolically interpolated on dB."""
    bin_hz = SAMPLE_RATE / LTAS_FFT
    lo, hi = math.ceil(PEAK_LOW_HZ / bin_hz), math.floor(PEAK_HIGH_HZ / bin_hz)
    k = np.arange(lo, hi + 1)
    b, a, c = db[k], db[k - 1], db[k + 1]
    cand = k[(b > a) & (b > c) & (b >= db[lo:hi + 1].max() - PEAK_RANGE_DB)]
    if len(cand) == 0:
        return np.zeros(0)
    windows = db[cand[:, None] + np.arange(-PROMINENCE_BINS, PROMINENCE_BINS + 1)[None, :]]
    med = np.sort(windows, axis=1)[:, PROMINENCE_BINS]
    peaks = cand[db[cand] - med >= PROMINENCE_DB]
    a, b, c = db[peaks - 1], db[peaks], db[peaks + 1]
    return (peaks + 0.5 * (a - c) / (a - 2 * b + c)) * bin_hz


def on_frame_grid(hz: np.ndarray) -> np.ndarray:
    return np.abs(hz - GRID_HZ * np.round(hz / GRID_HZ)) <= GRID_TOLERANCE_HZ


def grid_peak_share(x: np.ndarray):
    """Share of prominent 1–7 kHz peaks within ±1.5625 Hz of k·31.25 Hz (chance 0.10); None if none."""
    peaks = prominent_peaks(long_term_spectrum_db(x))
    if len(peaks) == 0:
        return None
    return float(np.count_nonzero(on_frame_grid(peaks)) / len(peaks))


def yin_pitch(x: np.ndarray) -> np.ndarray:
    """YIN f0 per frame (1024 samples every 256, whole frames), 0 where unvoiced: d(τ) over a
    512-sample window for τ = 1…229, cumulative-mean-normalised, first τ ≥ 20 with d' < 0.15
    followed to its local minimum, parabolic interpolation on d'."""
    x = np.asarray(x, dtype=np.float64)
    tau_min, tau_max = math.floor(SAMPLE_RATE / YIN_FMAX), math.ceil(SAMPLE_RATE / YIN_FMIN)
    if len(x) < YIN_FRAME:
        return np.zeros(0)
    count = 1 + (len(x) - YIN_FRAME) // YIN_HOP
    fr = x[np.arange(YIN_FRAME)[None, :] + YIN_HOP * np.arange(count)[:, None]]
    d = np.zeros((count, tau_max + 1))
    head = fr[:, :YIN_WINDOW]
    for tau in range(1, tau_max + 1):
        diff = head - fr[:, tau:tau + YIN_WINDOW]
        d[:, tau] = np.einsum("ij,ij->i", diff, diff)
    cum = np.cumsum(d, axis=1)
    taus = np.arange(tau_max + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cmnd = np.where(cum > 0, d * taus / np.where(cum > 0, cum, 1.0), 1.0)
    cmnd[:, 0] = 1.0
    f0 = np.zeros(count)
    for t in range(count):
        row = cmnd[t]
        below = np.nonzero(row[tau_min:] < YIN_THRESHOLD)[0]
        if len(below) == 0:
            continue
        tau = tau_min + int(below[0])
        while tau + 1 <= tau_max and row[tau + 1] < row[tau]:
            tau += 1
        offset = 0.0
        if tau + 1 <= tau_max:
            a, b, c = row[tau - 1], row[tau], row[tau + 1]
            den = a - 2 * b + c
            if den > 0:
                offset = (a - c) / (2 * den)
        f0[t] = SAMPLE_RATE / (tau + offset)
    return f0


def is_voiced(f0: np.ndarray) -> bool:
    v = int(np.count_nonzero(f0 > 0))
    return v >= MIN_VOICED_FRAMES and v >= MIN_VOICED_SHARE * len(f0)


def pitch_kept_of(f0_orig: np.ndarray, f0_out: np.ndarray):
    """Share of the original's voiced frames where the output is voiced within 20 % of its f0;
    None if the original has too few voiced frames."""
    if not is_voiced(f0_orig):
        return None
    voiced = f0_orig > 0
    kept = voiced & (f0_out > 0) & (np.abs(f0_out - f0_orig) <= PITCH_TOLERANCE * f0_orig)
    return float(np.count_nonzero(kept) / np.count_nonzero(voiced))


def pitch_kept(orig: np.ndarray, out: np.ndarray):
    if len(orig) != len(out):
        raise ValueError(f"original has {len(orig)} samples but output has {len(out)}")
    return pitch_kept_of(yin_pitch(orig), yin_pitch(out))


def listening_scores(orig: np.ndarray, out: np.ndarray) -> dict:
    return {"periodicity": frame_periodicity(out), "gridShare": grid_peak_share(out),
            "pitchKept": pitch_kept(orig, out)}


def _check(orig: np.ndarray, rec: np.ndarray) -> None:
    if len(orig) != len(rec):
        raise ValueError(f"original has {len(orig)} samples but reconstruction has {len(rec)}")
    if len(orig) <= STFT_SIZES[0] // 2:
        raise ValueError(f"clip of {len(orig)} samples is too short to evaluate")
    if not (np.all(np.isfinite(orig)) and np.all(np.isfinite(rec))):
        raise ValueError("non-finite samples")


# ---- baselines, with the same noise as src/eval/baselines.ts (mulberry32 + Box–Muller) ----

def _mulberry32(seed: int):
    a = seed & 0xFFFFFFFF

    def imul(x, y):
        return (x * y) & 0xFFFFFFFF

    def nxt() -> float:
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = a
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296.0

    return nxt


def white_noise(n: int, seed: int = BASELINE_SEED) -> np.ndarray:
    u = _mulberry32(seed)
    out = np.empty(n, dtype=np.float64)
    for i in range(0, n, 2):
        u1 = 1.0 - u()
        u2 = u()
        r = math.sqrt(-2.0 * math.log(u1))
        out[i] = r * math.cos(2 * math.pi * u2)
        if i + 1 < n:
            out[i + 1] = r * math.sin(2 * math.pi * u2)
    return out


def add_noise_at(orig: np.ndarray, db: float = NOISE_BASELINE_DB, seed: int = BASELINE_SEED) -> np.ndarray:
    """The original plus white noise whose RMS is exactly `db` dB relative to the original's RMS."""
    noise = white_noise(len(orig), seed)
    nr = math.sqrt(float(np.mean(noise**2)))
    o = np.asarray(orig, dtype=np.float32)
    orr = math.sqrt(float(np.mean(o.astype(np.float64) ** 2)))
    gain = orr * 10 ** (db / 20) / nr if nr > 0 else 0.0
    return (o + gain * noise).astype(np.float32)


def baselines(orig: np.ndarray) -> dict:
    """The original against itself (its own listening measures: what a perfect decoder scores),
    silence, and the original plus −20 dB noise."""
    return {"original": evaluate(orig, orig), "silence": evaluate(orig, np.zeros_like(orig)),
            "noise": evaluate(orig, add_noise_at(orig))}


def summarise(rows: list[dict]) -> dict:
    """rows: {theme, scores{name: evaluate()}} → mean per theme and overall (mean over clips)."""
    def mean_of(sel):
        out = {}
        for name in sel[0]["scores"]:
            out[name] = {
                "sc": float(np.mean([r["scores"][name]["stft"]["sc"] for r in sel])),
                "logMag": float(np.mean([r["scores"][name]["stft"]["logMag"] for r in sel])),
                "stft": float(np.mean([r["scores"][name]["stft"]["total"] for r in sel])),
                "logMelL1Db": float(np.mean([r["scores"][name]["logMelL1Db"] for r in sel])),
                **summarise_listening([r["scores"][name] for r in sel]),
            }
        out["clips"] = len(sel)
        return out

    themes = sorted({r["theme"] for r in rows})
    res = {t: mean_of([r for r in rows if r["theme"] == t]) for t in themes}
    res["overall"] = mean_of(rows)
    return res


def summarise_listening(scores: list[dict]) -> dict:
    """Periodicity: median over clips; grid share and pitch kept: means over the clips where they
    apply (None when none does), with those clips' counts; as summariseListening in TypeScript."""
    def present(key):
        return [s[key] for s in scores if s.get(key) is not None]

    per, grid, pitch = present("periodicity"), present("gridShare"), present("pitchKept")
    return {"periodicity": float(np.median(per)) if per else None,
            "gridShare": float(np.mean(grid)) if grid else None, "gridClips": len(grid),
            "pitchKept": float(np.mean(pitch)) if pitch else None, "voicedClips": len(pitch)}
