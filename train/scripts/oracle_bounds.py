"""How good can ANY decoder of 16-dim latents every 512 samples be, on the quality measure of issue 6?

Scores "oracles" that are handed far more information about the original than a latent carries, next to
the −20 dB noise baseline, on a run's validation split (the same split the trainer holds out):

- noise-10dB:      the original plus white noise at −10 dB (a baseline ten times worse in power);
- exact-mag-rphase: the original's exact STFT magnitudes (FFT 512, hop 128: 2 numbers per sample, 64x
                    what a 16-dim latent per 512 samples holds) with random phases;
- exact-mag-gl32:   the same magnitudes with 32 Griffin-Lim iterations of phase recovery;
- bands64-noise:    white noise shaped, every 128 samples, by the original's energy in 64 mel-spaced
                    bands (256 numbers per 512 samples, 16x what a latent holds);
- bands64-any-mag:  not a waveform at all: at each of the measure's FFT sizes, every STFT frame's mean
                    magnitude in 64 mel-spaced bands (fewer where the FFT has fewer bins), handed back as
                    the reconstruction's magnitudes. No decoder output can have these magnitudes at all
                    five sizes at once, so this bounds from below any decoder that knows the spectral
                    envelope but not the fine structure inside each band (MR-STFT only).

Usage: /usr/bin/python3 -m train.scripts.oracle_bounds --data .traindata/wav [--json out.json]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from train import metrics
from train.loop import load_clips

N_FFT, HOP = 512, 128


def _stft(x: torch.Tensor) -> torch.Tensor:
    return torch.stft(x, N_FFT, HOP, window=torch.hann_window(N_FFT, dtype=x.dtype), center=True,
                      return_complex=True)


def _istft(s: torch.Tensor, n: int) -> torch.Tensor:
    return torch.istft(s, N_FFT, HOP, window=torch.hann_window(N_FFT, dtype=torch.float64), center=True,
                       length=n)


def exact_magnitude(audio: np.ndarray, rng: np.random.Generator, griffin_lim: int) -> np.ndarray:
    x = torch.from_numpy(audio.astype(np.float64))
    mag = _stft(x).abs()
    phase = torch.from_numpy(rng.uniform(0, 2 * np.pi, size=tuple(mag.shape)))
    y = _istft(torch.polar(mag, phase), len(audio))
    for _ in range(griffin_lim):
        s = _stft(y)
        y = _istft(mag * torch.exp(1j * torch.angle(s)), len(audio))
    return y.numpy().astype(np.float32)


def band_noise(audio: np.ndarray, rng: np.random.Generator, bands: int = 64) -> np.ndarray:
    """Per frame, scale white noise's STFT so each mel band carries the original's band energy."""
    x = torch.from_numpy(audio.astype(np.float64))
    s = _stft(x)
    noise = torch.from_numpy(rng.standard_normal(len(audio)))
    ns = _stft(noise)
    fb = torch.from_numpy(metrics.mel_filterbank(n_fft=N_FFT, n_mels=bands))  # [bands, bins]
    fb = fb / fb.sum(0, keepdim=True).clamp_min(1e-9)  # each bin's weights sum to 1
    orig_e = fb @ (s.abs() ** 2)
    noise_e = fb @ (ns.abs() ** 2)
    gain_bands = torch.sqrt(orig_e / noise_e.clamp_min(1e-20))
    gain = fb.T @ gain_bands  # back to bins, interpolated between band centres
    return _istft(ns * gain, len(audio)).numpy().astype(np.float32)


def band_envelope_any_magnitude(audio: np.ndarray, bands: int = 64) -> dict:
    """MR-STFT distance between the original's magnitudes and their per-frame mel-band means."""
    x = audio.astype(np.float64)
    scs, lms = [], []
    for n in metrics.STFT_SIZES:
        s = metrics.stft_magnitude(x, n, n // 4)
        w = metrics.mel_filterbank(n_fft=n, n_mels=min(bands, n // 8))  # [bands, bins]
        cover = w.sum(0)
        band_mean = (s @ w.T) / np.maximum(w.sum(1), 1e-12)  # [frames, bands]
        r = band_mean @ (w / np.maximum(cover, 1e-12))  # back to bins, interpolated between bands
        r[:, cover < 1e-9] = s[:, cover < 1e-9]  # DC and Nyquist, outside every band: exact
        s, r = np.maximum(s, metrics.MAG_FLOOR), np.maximum(r, metrics.MAG_FLOOR)
        scs.append(float(np.sqrt(np.sum((s - r) ** 2)) / np.sqrt(np.sum(s**2))))
        lms.append(float(np.mean(np.abs(np.log(s) - np.log(r)))))
    sc, lm = float(np.mean(scs)), float(np.mean(lms))
    return {"stft": {"sc": sc, "logMag": lm, "total": sc + lm}, "logMelL1Db": float("nan")}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", nargs="+", required=True)
    p.add_argument("--val-fraction", type=float, default=0.12)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json")
    a = p.parse_args()
    _train, val = load_clips(a.data, a.val_fraction, a.seed)
    rng = np.random.default_rng(7)
    rows = []
    for c in val:
        x = c.audio
        scores = {
            "noise-20dB": metrics.evaluate(x, metrics.add_noise_at(x, -20.0)),
            "noise-10dB": metrics.evaluate(x, metrics.add_noise_at(x, -10.0)),
            "exact-mag-rphase": metrics.evaluate(x, exact_magnitude(x, rng, 0)),
            "exact-mag-gl32": metrics.evaluate(x, exact_magnitude(x, rng, 32)),
            "bands64-noise": metrics.evaluate(x, band_noise(x, rng)),
            "bands64-any-mag": band_envelope_any_magnitude(x),
        }
        rows.append({"id": c.id, "theme": c.theme, "scores": scores})
    summary = metrics.summarise(rows)
    names = list(rows[0]["scores"])
    print("| theme | clips | " + " | ".join(f"{n} MR-STFT / log-mel dB" for n in names) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in names) + " |")
    for theme, s in summary.items():
        cells = " | ".join(f"{s[n]['stft']:.3f} / " + ("—" if np.isnan(s[n]["logMelL1Db"]) else f"{s[n]['logMelL1Db']:.2f}")
                           for n in names)
        print(f"| {theme} | {s['clips']} | {cells} |")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"summary": summary, "clips": rows}, f)


if __name__ == "__main__":
    main()
