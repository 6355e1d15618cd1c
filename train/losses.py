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
