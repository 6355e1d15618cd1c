"""Multi-resolution STFT loss (spectral convergence + mean |log magnitude| difference), the training
counterpart of the validation measure (metrics.py), in torch so that it differentiates."""

from __future__ import annotations

import torch

LOSS_FFTS = (2048, 1024, 512, 256, 128, 64)


class MultiResolutionSTFTLoss(torch.nn.Module):
    def __init__(self, ffts=LOSS_FFTS, floor: float = 1e-5):
        super().__init__()
        self.ffts = tuple(ffts)
        self.floor = floor
        for n in self.ffts:
            self.register_buffer(f"win{n}", torch.hann_window(n), persistent=False)

    def mag(self, x: torch.Tensor, n: int) -> torch.Tensor:
        s = torch.stft(x, n, n // 4, window=getattr(self, f"win{n}"), center=True, pad_mode="reflect",
                       return_complex=True)
        return torch.sqrt(torch.clamp(s.real**2 + s.imag**2, min=self.floor**2))

    def forward(self, y: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, dict]:
        sc_sum, lm_sum = 0.0, 0.0
        for n in self.ffts:
            s, r = self.mag(target, n), self.mag(y, n)
            sc = torch.linalg.norm((s - r).flatten(1), dim=1) / torch.linalg.norm(s.flatten(1), dim=1).clamp_min(1e-8)
            sc_sum = sc_sum + sc.mean()
            lm_sum = lm_sum + torch.mean(torch.abs(torch.log(s) - torch.log(r)))
        k = len(self.ffts)
        return sc_sum / k + lm_sum / k, {"sc": float(sc_sum.detach()) / k, "logMag": float(lm_sum.detach()) / k}


class LogMelL1Loss(torch.nn.Module):
    """The validation measure's log-mel L1 in dB (metrics.log_mel_l1_db: 80 HTK mel bands, FFT 1024,
    hop 256, both sides floored at the original's peak − 80 dB), per example, averaged over the batch.
    Training on it directly moves the model towards the loudness of each band that the listener and
    the measure see, which the STFT loss alone weighs little in noise-like sounds."""

    def __init__(self):
        super().__init__()
        from . import metrics

        self.n_fft, self.hop = metrics.MEL_FFT, metrics.MEL_HOP
        self.power_floor, self.top_db = metrics.MEL_POWER_FLOOR, metrics.MEL_TOP_DB
        self.register_buffer("fb", torch.from_numpy(metrics.mel_filterbank()).float(), persistent=False)
        self.register_buffer("win", torch.hann_window(self.n_fft), persistent=False)

    def log_mel(self, x: torch.Tensor) -> torch.Tensor:
        s = torch.stft(x, self.n_fft, self.hop, window=self.win, center=True, pad_mode="reflect",
                       return_complex=True)
        p = s.real**2 + s.imag**2  # [batch, bins, frames]
        return 10.0 * torch.log10(torch.clamp(torch.einsum("mk,bkt->bmt", self.fb, p), min=self.power_floor))

    def forward(self, y: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        a, b = self.log_mel(target), self.log_mel(y)
        floor = a.flatten(1).max(dim=1).values.detach()[:, None, None] - self.top_db
        return torch.mean(torch.abs(torch.maximum(a, floor) - torch.maximum(b, floor)))


class ReconstructionLoss(torch.nn.Module):
    """MR-STFT loss plus `mel_weight` × log-mel L1 / 10 (dB/10: the weight val_score gives it), so the
    trainer minimises what it is scored on. mel_weight 0 is the MR-STFT loss alone."""

    def __init__(self, mel_weight: float = 0.0):
        super().__init__()
        self.stft = MultiResolutionSTFTLoss()
        self.mel_weight = float(mel_weight)
        self.mel = LogMelL1Loss() if self.mel_weight > 0 else None

    def forward(self, y: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, dict]:
        loss, parts = self.stft(y, target)
        if self.mel is not None:
            mel_db = self.mel(y, target)
            parts["logMelDb"] = float(mel_db.detach())
            loss = loss + self.mel_weight * mel_db / 10.0
        return loss, parts
