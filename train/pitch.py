"""Batched YIN f0 (de Cheveigné & Kawahara 2002) in torch: the training target for the harmonic-plus-noise
decoder's f0 head. Not differentiated; computed on each batch of crops, one estimate per control frame."""

from __future__ import annotations

import torch
from torch.nn import functional as F


def yin(x: torch.Tensor, hop: int, frame: int = 1024, fmin: float = 50.0, fmax: float = 1000.0,
        threshold: float = 0.15, sample_rate: int = 16000) -> tuple[torch.Tensor, torch.Tensor]:
    """x [B, T] → (f0 Hz [B, T/hop], voiced bool [B, T/hop]); frame j is centred on sample hop*j + hop/2,
    the centre of the decoder's control frame j. Integration window frame/2, lags up to frame/2."""
    b, t = x.shape
    n = t // hop
    w = frame // 2
    centre = hop // 2
    # Frame j covers [c - frame/2, c + frame/2) with c = hop*j + hop/2 (zero padding at the edges).
    left = frame // 2 - centre
    xp = F.pad(x, (left, frame))
    frames = xp.unfold(1, frame, hop)[:, :n]  # [B, N, frame]
    tau_max = min(w, int(sample_rate / fmin) + 2)
    # d(τ) = Σ_{j<w} (x_j − x_{j+τ})² = e0 + e(τ) − 2 r(τ)
    spec_len = 2 * frame
    fx = torch.fft.rfft(frames, spec_len)
    fw = torch.fft.rfft(frames[..., :w], spec_len)
    r = torch.fft.irfft(fx * torch.conj(fw), spec_len)[..., :tau_max]  # r(τ) = Σ_j x_j x_{j+τ}
    sq = torch.cumsum(F.pad(frames * frames, (1, 0)), -1)  # sq[k] = Σ_{i<k} x_i²
    e0 = sq[..., w : w + 1]
    taus = torch.arange(tau_max, device=x.device)
    e_tau = sq[..., w + taus] - sq[..., taus]
    d = torch.clamp(e0 + e_tau - 2 * r, min=0.0)
    d[..., 0] = 0.0
    cum = torch.cumsum(d[..., 1:], -1)
    cmnd = torch.ones_like(d)
    cmnd[..., 1:] = d[..., 1:] * taus[1:] / torch.clamp(cum, min=1e-12)
    lo = max(1, int(sample_rate / fmax))
    valid = (taus >= lo) & (taus < tau_max - 1)
    below = (cmnd < threshold) & valid
    has = below.any(-1)
    first = torch.argmax(below.to(torch.int8), -1, keepdim=True)
    after = taus >= first
    # The dip that starts at the first lag under the threshold: lags from `first` until cmnd rises above it.
    leave = (~below) & after
    region = after & (torch.cumsum(leave.to(torch.int32), -1) == 0)
    masked = torch.where(region, cmnd, torch.full_like(cmnd, float("inf")))
    best = torch.argmin(masked, -1, keepdim=True).clamp(1, tau_max - 2)
    # Parabolic interpolation around the minimum.
    y0 = torch.gather(cmnd, -1, best - 1)
    y1 = torch.gather(cmnd, -1, best)
    y2 = torch.gather(cmnd, -1, best + 1)
    denom = y0 - 2 * y1 + y2
    shift = torch.where(denom.abs() > 1e-12, 0.5 * (y0 - y2) / denom, torch.zeros_like(denom)).clamp(-1, 1)
    period = best.to(x.dtype) + shift
    f0 = (sample_rate / period)[..., 0]
    # Silent frames have no pitch whatever the CMND says.
    energy = e0[..., 0] / w
    voiced = has & (energy > 1e-7) & (f0 >= fmin) & (f0 <= fmax)
    return torch.where(voiced, f0, torch.zeros_like(f0)), voiced
