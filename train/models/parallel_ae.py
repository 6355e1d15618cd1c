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
    # "upsampler" (0.1/0.2: transposed convolutions; a constant latent gives a waveform that repeats every
    # frame) or "hpn": harmonic-plus-noise source-filter decoder (0.3), fed fresh seeded noise.
    decoder: str = "upsampler"
    ctrl_hop: int = 64
    ctrl_width: int = 128
    ctrl_dilations: list = field(default_factory=lambda: [1, 3, 9, 1])
    harmonics: int = 48
    f0_min: float = 40.0
    f0_max: float = 1200.0
    filter_fft: int = 256
    f0_weight: float = 1.0
    voicing_weight: float = 0.1

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
    "hpn": {"decoder": "hpn", "activation": "lrelu"},
    "hpn-tiny": {"decoder": "hpn", "activation": "lrelu", "enc_width": 32, "enc_latent_width": 32,
                 "dec_width": 32, "ctrl_width": 16, "ctrl_dilations": [1], "harmonics": 8},
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


class HPNDecoder(nn.Module):
    """Harmonic-plus-noise source-filter decoder. Latents → (frame-rate conv stack) → linearly interpolated
    to the control rate (hop/ctrl_hop per frame, so conditioning changes smoothly within a frame) → a
    dilated conv stack → f0, voicing and two time-varying filters (filter_fft/2+1 real gains per control
    frame). Sources at the sample rate: a bank of harmonics of the predicted f0 with a continuous phase
    (cumulative sum in float64), and the caller's white Gaussian noise (fresh, seeded). Each source is
    filtered by multiplying its STFT (Hann, hop ctrl_hop) by its gains, and both are overlap-added by
    one inverse STFT. Nothing in it is periodic at the latent frame rate, and pitch comes from f0."""

    def __init__(self, c: ParallelAEConfig):
        super().__init__()
        self.c = c
        assert c.hop % c.ctrl_hop == 0, "ctrl_hop must divide the hop"
        assert c.filter_fft == 4 * c.ctrl_hop, "filter_fft must be 4 x ctrl_hop (75 % overlap)"
        layers: list[nn.Module] = [nn.Conv1d(c.latent_dims, c.dec_width, 3, padding=1)]
        layers += [ResUnit(c.dec_width, d, "lrelu") for d in (1, 3)]
        self.pre = nn.Sequential(*layers)
        ctrl: list[nn.Module] = [nn.Conv1d(c.dec_width, c.ctrl_width, 3, padding=1)]
        ctrl += [ResUnit(c.ctrl_width, d, "lrelu") for d in c.ctrl_dilations]
        ctrl += [nn.LeakyReLU(0.1)]
        self.ctrl = nn.Sequential(*ctrl)
        self.bins = c.filter_fft // 2 + 1
        self.head = nn.Conv1d(c.ctrl_width, 2 + 2 * self.bins, 1)
        with torch.no_grad():
            self.head.weight.mul_(0.1)
            self.head.bias.zero_()
            self.head.bias[2 : 2 + self.bins] = -2.0  # harmonic gains start small
            self.head.bias[2 + self.bins :] = -5.0  # noise gains start very small
        self.register_buffer("dft", dft_basis(c.filter_fft)[:, None, :], persistent=False)
        self.register_buffer("idft", dft_basis(c.filter_fft, inverse=True)[:, None, :], persistent=False)
        self.register_buffer("harmonic_numbers", torch.arange(1, c.harmonics + 1, dtype=torch.float32)[None, :, None],
                             persistent=False)

    def controls(self, z: torch.Tensor):
        """[B, 16, F] → f0 Hz, voicing logit [B, 1, N] and gains [B, bins, N], N = F * hop/ctrl_hop."""
        c = self.c
        h = self.pre(z)
        h = F.interpolate(h, scale_factor=c.hop // c.ctrl_hop, mode="linear", align_corners=False)
        out = self.head(self.ctrl(h))
        lo, hi = math.log(c.f0_min), math.log(c.f0_max)
        f0 = torch.exp(lo + torch.sigmoid(out[:, 0:1]) * (hi - lo))
        voicing = out[:, 1:2]
        harm_gain = torch.exp(torch.clamp(out[:, 2 : 2 + self.bins], -20.0, 4.0))
        noise_gain = torch.exp(torch.clamp(out[:, 2 + self.bins :], -20.0, 4.0))
        return f0, voicing, harm_gain, noise_gain

    def harmonic_source(self, f0: torch.Tensor, voiced: torch.Tensor) -> torch.Tensor:
        """f0, voicing probability [B, 1, N] at the control rate → [B, 1, N*ctrl_hop] harmonic source."""
        c = self.c
        sr = 16000.0
        f0s = F.interpolate(f0, scale_factor=c.ctrl_hop, mode="linear", align_corners=False)
        vs = F.interpolate(voiced, scale_factor=c.ctrl_hop, mode="linear", align_corners=False)
        # Phase in cycles, accumulated in float64 so it stays exact over minutes of audio.
        cycles = torch.cumsum(f0s.double() / sr, dim=-1)
        phase = (2 * math.pi) * (cycles - torch.floor(cycles)).float()
        k = self.harmonic_numbers
        # Harmonics fade out over the 200 Hz below Nyquist instead of switching off (no clicks as f0 moves).
        alias = torch.clamp((0.5 * sr - 100.0 - k * f0s) / 200.0, 0.0, 1.0)
        harm = torch.sum(torch.sin(k * phase) * alias, dim=1, keepdim=True)
        return harm * vs * (1.0 / math.sqrt(c.harmonics))

    def stft(self, x: torch.Tensor) -> torch.Tensor:
        """[B, 1, T] → [B, 2*bins, T/ctrl_hop] (frame j centred on ctrl_hop*j + ctrl_hop/2)."""
        pad = (self.c.filter_fft - self.c.ctrl_hop) // 2
        return F.conv1d(F.pad(x, (pad, pad)), self.dft, stride=self.c.ctrl_hop)

    def forward(self, z: torch.Tensor, noise: torch.Tensor):
        """z [B, 16, F], noise [B, F*hop] (white, unit variance) → audio [B, F*hop]."""
        y, _ = self.forward_with_controls(z, noise)
        return y

    def forward_with_controls(self, z: torch.Tensor, noise: torch.Tensor):
        c = self.c
        f0, voicing, harm_gain, noise_gain = self.controls(z)
        n = f0.shape[-1]
        # The oscillator follows f0 without passing gradients back into it: f0 is taught by its own
        # target (YIN), which is stable, where a spectral loss's gradient through a phase is not.
        harm = self.harmonic_source(f0.detach(), torch.sigmoid(voicing))
        sh = self.stft(harm)
        sn = self.stft(noise[:, None, : n * c.ctrl_hop])
        spec = sh * torch.cat([harm_gain, harm_gain], 1) + sn * torch.cat([noise_gain, noise_gain], 1)
        y = F.conv_transpose1d(spec, self.idft, stride=c.ctrl_hop)
        start = (c.filter_fft - c.ctrl_hop) // 2
        return y[:, 0, start : start + n * c.ctrl_hop], (f0, voicing)


class ParallelAE(nn.Module):
    family = "parallel-ae"

    def __init__(self, c: ParallelAEConfig):
        super().__init__()
        self.c = c
        self.encoder = Encoder(c)
        self.decoder = HPNDecoder(c) if c.decoder == "hpn" else Decoder(c)

    @property
    def takes_noise(self) -> bool:
        return self.c.decoder == "hpn"

    def decode(self, z: torch.Tensor, noise: torch.Tensor | None = None, seed: int = 0) -> torch.Tensor:
        """[B, 16, F] → [B, F*hop]; the hpn decoder draws its noise from `seed` unless given."""
        if not self.takes_noise:
            return self.decoder(z)
        if noise is None:
            g = torch.Generator().manual_seed(seed)
            noise = torch.randn(z.shape[0], z.shape[-1] * self.c.hop, generator=g).to(z.device)
        return self.decoder(z, noise)

    def forward(self, audio: torch.Tensor, sample: bool = True):
        mean, logvar = self.encoder(audio)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar) if sample else mean
        y = self.decoder(z, torch.randn_like(audio)) if self.takes_noise else self.decoder(z)
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


class ExportNoiseDecoder(nn.Module):
    """latents [B, F, 16], noise [B, F*512] (white, unit variance; the runtime draws it from a seed) →
    audio [B, F*512]."""

    def __init__(self, m: ParallelAE):
        super().__init__()
        self.dec = m.decoder

    def forward(self, latents, noise):
        return self.dec(latents.transpose(1, 2), noise)


def _training_loss(self: ParallelAE, x: torch.Tensor, loss_fn) -> tuple[torch.Tensor, dict]:
    if self.takes_noise:
        return _hpn_training_loss(self, x, loss_fn)
    y, kl, _ = self(x)
    stft, parts = loss_fn(y, x)
    parts["kl"] = float(kl)
    return stft + self.c.kl_weight * kl, parts


def _hpn_training_loss(self: ParallelAE, x: torch.Tensor, loss_fn) -> tuple[torch.Tensor, dict]:
    """Spectral loss + KL + f0 taught by YIN on the crop (octaves, voiced frames) + voicing (BCE)."""
    from ..pitch import yin

    c = self.c
    mean, logvar = self.encoder(x)
    z = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar)
    y, (f0, voicing) = self.decoder.forward_with_controls(z, torch.randn_like(x))
    kl = 0.5 * torch.mean(mean**2 + torch.exp(logvar) - 1.0 - logvar)
    spectral, parts = loss_fn(y, x)
    with torch.no_grad():
        f0_target, voiced = yin(x, c.ctrl_hop, fmin=c.f0_min, fmax=c.f0_max)
    v = voiced.float()
    octaves = torch.abs(torch.log2(f0[:, 0]) - torch.log2(torch.clamp(f0_target, min=1.0)))
    f0_loss = torch.sum(octaves * v) / torch.clamp(v.sum(), min=1.0)
    voicing_loss = F.binary_cross_entropy_with_logits(voicing[:, 0], v)
    parts.update({"kl": float(kl), "f0Octaves": float(f0_loss), "voicing": float(voicing_loss),
                  "voicedShare": float(v.mean())})
    loss = spectral + c.kl_weight * kl + c.f0_weight * f0_loss + c.voicing_weight * voicing_loss
    return loss, parts


def _reconstruct(self: ParallelAE, audio: torch.Tensor, seed: int = 0) -> torch.Tensor:
    mean, _ = self.encoder(audio)
    return self.decode(mean, seed=seed)


ParallelAE.training_loss = _training_loss
ParallelAE.reconstruct = _reconstruct


def _load_init(self: ParallelAE, path: str) -> dict:
    """Start from another run's weights (a full or slim checkpoint of the same hyperparameters)."""
    from ..checkpoint import load

    state = load(path)
    if state.get("family") != "parallel-ae":
        raise ValueError(f"{path}: not a parallel-ae checkpoint")
    weights = {k: v.float() if v.is_floating_point() else v for k, v in state["model"].items()}
    if state.get("hparams", {}).get("decoder", "upsampler") == self.c.decoder:
        self.load_state_dict(weights)
        return state
    # Another decoder: keep the encoder and every decoder tensor of the same name and shape (the frame-rate
    # stack), so a new decoder starts from the old model's latent space instead of from nothing.
    own = self.state_dict()
    kept = {k: v for k, v in weights.items() if k in own and own[k].shape == v.shape}
    self.load_state_dict(kept, strict=False)
    state = dict(state)
    state["init_kept"] = sorted(kept)
    return state


ParallelAE.load_init = _load_init
