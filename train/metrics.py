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
    return {"stft": mr_stft_distance(orig, rec), "logMelL1Db": log_mel_l1_db(orig, rec)}


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
    return {"silence": evaluate(orig, np.zeros_like(orig)), "noise": evaluate(orig, add_noise_at(orig))}


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
            }
        out["clips"] = len(sel)
        return out

    themes = sorted({r["theme"] for r in rows})
    res = {t: mean_of([r for r in rows if r["theme"] == t]) for t in themes}
    res["overall"] = mean_of(rows)
    return res
