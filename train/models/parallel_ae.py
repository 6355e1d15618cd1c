"""parallel-ae: an autoencoder with 16-dim latents every 512 samples at 16 kHz and a parallel
(non-autoregressive) decoder, small enough to run 10x+ faster than real time on 2 CPU cores.

Encoder: log-magnitude STFT front-end (a fixed DFT as a strided convolution: exportable to any ONNX
runtime, and ~50x cheaper than NSynth's full-rate dilated stack), a few convolutions at the STFT frame
rate and two stride-2 convolutions down to one frame per 512 samples; a Gaussian posterior (mean,
log-variance) with a small KL term keeps the latent space smooth for mashups; the exported encoder
returns the mean.

Decoder: a learned upsampler (three x8 transposed convolutions with dilated residual units, optional
snake activations for periodic signals) for the tonal part, plus a filtered-noise branch: per-64-sample
frame magnitude envelopes applied to a fixed table of complex Gaussian spectra, overlap-added with a
fixed inverse-DFT (so noise textures — rain, wind, traffic — need not be modelled sample by sample, and
the output stays deterministic for a given latent sequence).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

HOP = 512
LATENT_DIMS = 16


@dataclass
class ParallelAEConfig:
    latent_dims: int = LATENT_DIMS
    hop: int = HOP
    enc_fft: int = 512
    enc_hop: int = 128
    enc_width: int = 192
    enc_latent_width: int = 256
    dec_width: int = 256
    up_rates: list = field(default_factory=lambda: [8, 8, 8])
    up_widths: list = field(default_factory=lambda: [128, 64, 32])
    res_dilations: list = field(default_factory=lambda: [1, 3, 9])
    activation: str = "snake"  # or "lrelu"
    noise_branch: bool = True
    noise_fft: int = 256
    noise_table_frames: int = 2048
    kl_weight: float = 1e-3

    @staticmethod
    def from_dict(d: dict) -> "ParallelAEConfig":
        known = {k: v for k, v in d.items() if k in ParallelAEConfig.__dataclass_fields__}
        return ParallelAEConfig(**known)

    def to_dict(self) -> dict:
        return asdict(self)


PRESETS = {
    "small": {},
    "tiny": {"enc_width": 32, "enc_latent_width": 32, "dec_width": 32, "up_widths": [16, 16, 8],
             "res_dilations": [1], "noise_table_frames": 64},
    "lrelu": {"activation": "lrelu"},
    "no-noise": {"noise_branch": False},
    "lrelu-no-noise": {"activation": "lrelu", "noise_branch": False},
    "wide": {"dec_width": 384, "up_widths": [192, 96, 48]},
}


class Snake(nn.Module):
    """x + sin²(αx)/α with a learned α per channel (BigVGAN): a periodic inductive bias for pitch."""

    def __init__(self, channels: int):
        super().__init__()
        self.log_alpha = nn.Parameter(torch.zeros(1, channels, 1))

    def forward(self, x):
        a = torch.exp(self.log_alpha)
        return x + torch.sin(a * x) ** 2 / (a + 1e-9)


def act(kind: str, channels: int) -> nn.Module:
    return Snake(channels) if kind == "snake" else nn.LeakyReLU(0.1)


class ResUnit(nn.Module):
    def __init__(self, ch: int, dilation: int, kind: str, kernel: int = 3):
        super().__init__()
        self.a1 = act(kind, ch)
        self.c1 = nn.Conv1d(ch, ch, kernel, dilation=dilation, padding=dilation * (kernel - 1) // 2)
        self.a2 = act(kind, ch)
        self.c2 = nn.Conv1d(ch, ch, 1)

    def forward(self, x):
        return x + self.c2(self.a2(self.c1(self.a1(x))))


def dft_basis(n_fft: int, inverse: bool = False) -> torch.Tensor:
    """Rows cos/sin of the real DFT with a periodic Hann window: [2*(n_fft/2+1), n_fft]."""
    n = torch.arange(n_fft, dtype=torch.float64)
    k = torch.arange(n_fft // 2 + 1, dtype=torch.float64)
    win = 0.5 - 0.5 * torch.cos(2 * math.pi * n / n_fft)
    ang = 2 * math.pi * k[:, None] * n[None, :] / n_fft
    if inverse:
        # irfft with hermitian weights, then the synthesis window.
        w = torch.full((n_fft // 2 + 1, 1), 2.0, dtype=torch.float64)
        w[0] = 1.0
        w[-1] = 1.0
        cos = w * torch.cos(ang) / n_fft * win
        sin = -w * torch.sin(ang) / n_fft * win
    else:
        cos = torch.cos(ang) * win
        sin = -torch.sin(ang) * win
    return torch.cat([cos, sin], 0).float()


class Encoder(nn.Module):
    def __init__(self, c: ParallelAEConfig):
        super().__init__()
        self.c = c
        bins = c.enc_fft // 2 + 1
        self.register_buffer("dft", dft_basis(c.enc_fft)[:, None, :], persistent=False)
        self.bins = bins
        down = c.hop // c.enc_hop
        assert down in (1, 2, 4, 8), "hop / enc_hop must be 1, 2, 4 or 8"
        layers: list[nn.Module] = [nn.Conv1d(bins, c.enc_width, 3, padding=1)]
        layers += [ResUnit(c.enc_width, d, "lrelu") for d in (1, 3)]
        w = c.enc_width
        while down > 1:
            layers += [nn.LeakyReLU(0.1), nn.Conv1d(w, c.enc_latent_width, 4, stride=2, padding=1)]
            w = c.enc_latent_width
            layers += [ResUnit(w, 1, "lrelu")]
            down //= 2
        layers += [nn.LeakyReLU(0.1), nn.Conv1d(w, 2 * c.latent_dims, 1)]
        self.net = nn.Sequential(*layers)

    def features(self, audio: torch.Tensor) -> torch.Tensor:
        """[B, T] → log-magnitude spectra [B, bins, T/enc_hop] (frames centred on k*enc_hop + enc_hop/2)."""
        pad = (self.c.enc_fft - self.c.enc_hop) // 2
        x = F.pad(audio[:, None, :], (pad, pad))
        spec = F.conv1d(x, self.dft, stride=self.c.enc_hop)
        re, im = spec[:, : self.bins], spec[:, self.bins :]
        return torch.log(re * re + im * im + 1e-7) * 0.25

    def forward(self, audio: torch.Tensor):
        h = self.net(self.features(audio))
        mean, logvar = h[:, : self.c.latent_dims], h[:, self.c.latent_dims :]
        return mean, torch.clamp(logvar, -12.0, 4.0)


class NoiseSynth(nn.Module):
    """Filtered noise: magnitudes [B, bins, N] × a fixed complex Gaussian table, inverse DFT with a
    Hann synthesis window, overlap-add at hop n_fft/4. Output length N*hop (centred crop)."""

    def __init__(self, n_fft: int, table_frames: int, seed: int = 20240517):
        super().__init__()
        self.n_fft = n_fft
        self.hop = n_fft // 4
        bins = n_fft // 2 + 1
        g = torch.Generator().manual_seed(seed)
        self.register_buffer("table", torch.randn(2, bins, table_frames, generator=g) / math.sqrt(2.0))
        self.register_buffer("idft", dft_basis(n_fft, inverse=True)[:, None, :])

    def forward(self, mag: torch.Tensor) -> torch.Tensor:
        n = mag.shape[-1]
        period = self.table.shape[-1]
        idx = torch.arange(n, device=mag.device) % period
        tab = self.table.index_select(2, idx)
        spec = torch.cat([mag * tab[0], mag * tab[1]], 1)  # [B, 2*bins, N]
        y = F.conv_transpose1d(spec, self.idft, stride=self.hop)  # [B, 1, (N-1)*hop + n_fft]
        start = (self.n_fft - self.hop) // 2
        return y[:, 0, start : start + n * self.hop]


class Decoder(nn.Module):
    def __init__(self, c: ParallelAEConfig):
        super().__init__()
        self.c = c
        layers: list[nn.Module] = [nn.Conv1d(c.latent_dims, c.dec_width, 3, padding=1)]
        layers += [ResUnit(c.dec_width, d, "lrelu") for d in (1, 3)]
        self.pre = nn.Sequential(*layers)
        self.ups = nn.ModuleList()
        w = c.dec_width
        for r, w2 in zip(c.up_rates, c.up_widths):
            blk = [act(c.activation, w), nn.ConvTranspose1d(w, w2, 2 * r, stride=r, padding=r // 2)]
            blk += [ResUnit(w2, d, c.activation) for d in c.res_dilations]
            self.ups.append(nn.Sequential(*blk))
            w = w2
        self.post = nn.Sequential(act(c.activation, w), nn.Conv1d(w, 1, 7, padding=3))
        assert math.prod(c.up_rates) == c.hop, "up_rates must multiply to the hop"
        if c.noise_branch:
            # Taps the stage whose rate matches the noise hop (n_fft/4 samples per frame).
            self.noise = NoiseSynth(c.noise_fft, c.noise_table_frames)
            rate, self.noise_stage = c.hop, None
            for i, r in enumerate(c.up_rates):
                rate //= r
                if rate == c.noise_fft // 4:
                    self.noise_stage = i
                    self.noise_proj = nn.Conv1d(c.up_widths[i], c.noise_fft // 2 + 1, 1)
                    nn.init.constant_(self.noise_proj.bias, -5.0)
                    nn.init.normal_(self.noise_proj.weight, std=0.01)
            assert self.noise_stage is not None, "noise_fft/4 must equal the hop of one upsampling stage"

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """[B, 16, F] → [B, F*hop]."""
        h = self.pre(z)
        noise = None
        for i, up in enumerate(self.ups):
            h = up(h)
            if self.c.noise_branch and i == self.noise_stage:
                mag = torch.exp(torch.clamp(self.noise_proj(h), -20.0, 4.0))
                noise = self.noise(mag)
        y = self.post(h)[:, 0]
        if noise is not None:
            y = y + noise
        return y


class ParallelAE(nn.Module):
    family = "parallel-ae"

    def __init__(self, c: ParallelAEConfig):
        super().__init__()
        self.c = c
        self.encoder = Encoder(c)
        self.decoder = Decoder(c)

    def forward(self, audio: torch.Tensor, sample: bool = True):
        mean, logvar = self.encoder(audio)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar) if sample else mean
        y = self.decoder(z)
        kl = 0.5 * torch.mean(mean**2 + torch.exp(logvar) - 1.0 - logvar)
        return y, kl, mean


# ---- export wrappers: the ONNX contract (see docs/models.md) ----

class ExportEncoder(nn.Module):
    """audio [B, T] (T a multiple of 512) → latents [B, T/512, 16] (posterior means)."""

    def __init__(self, m: ParallelAE):
        super().__init__()
        self.enc = m.encoder

    def forward(self, audio):
        mean, _ = self.enc(audio)
        return mean.transpose(1, 2)


class ExportDecoder(nn.Module):
    """latents [B, F, 16] → audio [B, F*512]."""

    def __init__(self, m: ParallelAE):
        super().__init__()
        self.dec = m.decoder

    def forward(self, latents):
        return self.dec(latents.transpose(1, 2))


def _training_loss(self: ParallelAE, x: torch.Tensor, loss_fn) -> tuple[torch.Tensor, dict]:
    y, kl, _ = self(x)
    stft, parts = loss_fn(y, x)
    parts["kl"] = float(kl)
    return stft + self.c.kl_weight * kl, parts


def _reconstruct(self: ParallelAE, audio: torch.Tensor) -> torch.Tensor:
    mean, _ = self.encoder(audio)
    return self.decoder(mean)


ParallelAE.training_loss = _training_loss
ParallelAE.reconstruct = _reconstruct


def _load_init(self: ParallelAE, path: str) -> dict:
    """Start from another run's weights (a full or slim checkpoint of the same hyperparameters)."""
    from ..checkpoint import load

    state = load(path)
    if state.get("family") != "parallel-ae":
        raise ValueError(f"{path}: not a parallel-ae checkpoint")
    self.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state["model"].items()})
    return state


ParallelAE.load_init = _load_init
