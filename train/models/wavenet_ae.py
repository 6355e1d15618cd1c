"""wavenet-ae: Magenta's NSynth WaveNet autoencoder (h512_bo16 and smaller members of the family),
computed exactly as issue 3 / src/model (the TypeScript runtime) defines it, with variables named and
shaped as Magenta's checkpoint: kernels `<layer>/W` [1, k, Cin, Cout], biases `<layer>/biases` [Cout].

- input mu-law: floor(128 * sign(x) * ln(1 + 255|x|) / ln 256), fed as mu_law(x) / 128;
- causal convolutions pad (k-1)*d taps in front, W[:, 0] multiplies t-2d, W[:, 1] t-d, W[:, 2] t;
  non-causal ones are SAME padded (d each side);
- encoder: ae_startconv, 30 residual layers (relu → dilated conv → relu → 1x1, added), bottleneck,
  average pool over 512 samples;
- decoder: startconv on the input shifted right by one sample, skip_start, 30 gated layers with
  conditioning (sigmoid on the FIRST half, tanh on the second), relu → out1 + cond_map_out1 → relu → logits.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class WaveNetAEConfig:
    family: str = "wavenet-ae"
    sampleRate: int = 16000
    hop: int = 512
    filterLength: int = 3
    numLayers: int = 30
    numStages: int = 10
    width: int = 512
    skipWidth: int = 256
    aeNumLayers: int = 30
    aeNumStages: int = 10
    aeWidth: int = 128
    bottleneckWidth: int = 16
    quantizationChannels: int = 256

    @staticmethod
    def from_dict(d: dict) -> "WaveNetAEConfig":
        return WaveNetAEConfig(**{k: v for k, v in d.items() if k in WaveNetAEConfig.__dataclass_fields__})

    def to_dict(self) -> dict:
        return asdict(self)


PRESETS = {
    "h512_bo16": {},
    "small": {"numLayers": 10, "numStages": 10, "width": 64, "skipWidth": 64, "aeNumLayers": 10,
              "aeNumStages": 10, "aeWidth": 64},
    "tiny": {"numLayers": 4, "numStages": 2, "width": 8, "skipWidth": 8, "aeNumLayers": 4, "aeNumStages": 2,
             "aeWidth": 8},
}


def mu_law(x: torch.Tensor) -> torch.Tensor:
    """Magenta's utils.mu_law: codes in [-128, 128] (128 only for |x| = 1)."""
    return torch.floor(128.0 * torch.sign(x) * torch.log1p(255.0 * torch.abs(x)) / math.log(256.0))


def inv_mu_law(code: torch.Tensor) -> torch.Tensor:
    y = code / 128.0
    return torch.sign(y) * (torch.pow(256.0, torch.abs(y)) - 1.0) / 255.0


def variable_shapes(c: WaveNetAEConfig) -> dict[str, list[int]]:
    """Same names, shapes and order as wavenetVariableShapes in src/model/wavenet-config.ts."""
    shapes: dict[str, list[int]] = {}
    k = c.filterLength

    def conv(name, kk, cin, cout):
        shapes[f"{name}/W"] = [1, kk, cin, cout]
        shapes[f"{name}/biases"] = [cout]

    conv("ae_startconv", k, 1, c.aeWidth)
    for i in range(1, c.aeNumLayers + 1):
        conv(f"ae_dilatedconv_{i}", k, c.aeWidth, c.aeWidth)
        conv(f"ae_res_{i}", 1, c.aeWidth, c.aeWidth)
    conv("ae_bottleneck", 1, c.aeWidth, c.bottleneckWidth)
    conv("startconv", k, 1, c.width)
    conv("skip_start", 1, c.width, c.skipWidth)
    for i in range(1, c.numLayers + 1):
        conv(f"dilatedconv_{i}", k, c.width, 2 * c.width)
        conv(f"cond_map_{i}", 1, c.bottleneckWidth, 2 * c.width)
        conv(f"res_{i}", 1, c.width, c.width)
        conv(f"skip_{i}", 1, c.width, c.skipWidth)
    conv("out1", 1, c.skipWidth, c.skipWidth)
    conv("cond_map_out1", 1, c.bottleneckWidth, c.skipWidth)
    conv("logits", 1, c.skipWidth, c.quantizationChannels)
    return shapes


def _key(name: str) -> str:
    return name.replace("/", "__")


class WaveNetAE(nn.Module):
    family = "wavenet-ae"

    def __init__(self, c: WaveNetAEConfig):
        super().__init__()
        self.c = c
        self.shapes = variable_shapes(c)
        self.vars = nn.ParameterDict()
        for name, shape in self.shapes.items():
            if name.endswith("/W"):
                fan_in = shape[1] * shape[2]
                t = torch.randn(*shape) * math.sqrt(1.0 / fan_in)
            else:
                t = torch.zeros(*shape)
            self.vars[_key(name)] = nn.Parameter(t)

    def _conv(self, x: torch.Tensor, name: str, dilation: int = 1, causal: bool = False) -> torch.Tensor:
        W = self.vars[_key(f"{name}/W")]  # [1, k, Cin, Cout]
        b = self.vars[_key(f"{name}/biases")]
        k = W.shape[1]
        w = W[0].permute(2, 1, 0)  # [Cout, Cin, k]; tap j multiplies x[t - (k-1-j)*d] (causal)
        if k > 1:
            total = (k - 1) * dilation
            x = F.pad(x, (total, 0) if causal else (total // 2, total - total // 2))
        return F.conv1d(x, w, b, dilation=dilation)

    def encode(self, audio: torch.Tensor) -> torch.Tensor:
        """[B, T] (T a multiple of hop) → embeddings [B, bottleneckWidth, T/hop]."""
        c = self.c
        x = (mu_law(audio) / 128.0)[:, None, :]
        en = self._conv(x, "ae_startconv")
        for i in range(c.aeNumLayers):
            d = 2 ** (i % c.aeNumStages)
            h = self._conv(F.relu(en), f"ae_dilatedconv_{i + 1}", d)
            en = en + self._conv(F.relu(h), f"ae_res_{i + 1}")
        en = self._conv(en, "ae_bottleneck")
        return F.avg_pool1d(en, c.hop, c.hop)

    def decode_logits(self, audio: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits [B, classes, T]: step t sees audio up to t-1 and frame floor(t/hop)."""
        c = self.c
        x = (mu_law(audio) / 128.0)[:, None, :]
        x = F.pad(x, (1, 0))[:, :, :-1]  # shift right
        cond = torch.repeat_interleave(emb, c.hop, dim=2)[:, :, : x.shape[-1]]
        l = self._conv(x, "startconv", 1, causal=True)
        s = self._conv(l, "skip_start")
        for i in range(c.numLayers):
            d = 2 ** (i % c.numStages)
            h = self._conv(l, f"dilatedconv_{i + 1}", d, causal=True) + self._conv(cond, f"cond_map_{i + 1}")
            g = torch.sigmoid(h[:, : c.width]) * torch.tanh(h[:, c.width :])
            l = l + self._conv(g, f"res_{i + 1}")
            s = s + self._conv(g, f"skip_{i + 1}")
        s = F.relu(s)
        s = self._conv(s, "out1") + self._conv(cond, "cond_map_out1")
        return self._conv(F.relu(s), "logits")

    def nll(self, audio: torch.Tensor) -> torch.Tensor:
        logits = self.decode_logits(audio, self.encode(audio))
        target = torch.clamp(mu_law(audio) + 128, 0, self.c.quantizationChannels - 1).long()
        return F.cross_entropy(logits, target)

    def training_loss(self, x: torch.Tensor, _loss_fn=None):
        loss = self.nll(x)
        return loss, {"nll": float(loss.detach())}

    def validation_loss(self, audio: torch.Tensor) -> float:
        with torch.no_grad():
            return float(self.nll(audio))

    @torch.no_grad()
    def generate(self, emb: torch.Tensor, samples: int, seed: int = 0, temperature: float = 1.0) -> torch.Tensor:
        """Naive autoregressive sampling (slow: for tests and short clips; commonsynth's TypeScript
        runtime generates fast). Inverse-CDF sampling like fastgen, seeded."""
        g = torch.Generator().manual_seed(seed)
        audio = torch.zeros(emb.shape[0], samples)
        for t in range(samples):
            logits = self.decode_logits(audio[:, : t + 1], emb)[:, :, t] / max(temperature, 1e-6)
            p = torch.softmax(logits, 1)
            u = torch.rand(p.shape[0], 1, generator=g)
            k = torch.clamp((torch.cumsum(p, 1) < u).sum(1), max=p.shape[1] - 1)
            audio[:, t] = inv_mu_law(k.float() - 128.0)
        return audio

    def magenta_weights(self) -> dict[str, np.ndarray]:
        return {name: self.vars[_key(name)].detach().float().cpu().numpy() for name in self.shapes}

    def load_magenta_weights(self, weights: dict[str, np.ndarray], source: str = "weights") -> None:
        for name, shape in self.shapes.items():
            if name not in weights:
                raise ValueError(f"{source}: variable {name} is missing")
            if list(weights[name].shape) != shape:
                raise ValueError(f"{source}: {name} has shape {list(weights[name].shape)}, expected {shape}")
            self.vars[_key(name)].data.copy_(torch.from_numpy(np.asarray(weights[name], dtype=np.float32)))

    def load_init(self, path: str) -> dict:
        """Fine-tune from a commonsynth package folder (config.json + weights.safetensors) or a checkpoint."""
        if os.path.isdir(path):
            with open(os.path.join(path, "config.json"), encoding="utf-8") as f:
                cfg = json.load(f)
            hp = cfg.get("hyperparameters", {})
            for k, v in self.c.to_dict().items():
                if hp.get(k) != v:
                    raise ValueError(f"{path}: hyperparameter {k} is {hp.get(k)!r}, this run has {v!r}")
            weights_file = os.path.join(path, cfg.get("files", {}).get("weights", "weights.safetensors"))
            self.load_magenta_weights(load_safetensors(weights_file), weights_file)
            return {"history": [{"device": f"package {cfg.get('name')} {cfg.get('version')}", "steps": 0}]}
        from ..checkpoint import load

        state = load(path)
        self.load_state_dict({k: v.float() for k, v in state["model"].items()})
        return state


def _training_reconstruct(self: WaveNetAE, audio: torch.Tensor) -> torch.Tensor:
    raise NotImplementedError("wavenet-ae reconstructs autoregressively; validation uses NLL")


# ---- safetensors, by hand (no package needed): 8-byte LE header length, JSON header, data ----

def save_safetensors(tensors: dict[str, np.ndarray], path: str, metadata: dict | None = None) -> None:
    names = sorted(tensors)
    header: dict = {}
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    offset = 0
    blobs = []
    for n in names:
        a = np.ascontiguousarray(tensors[n], dtype="<f4")
        header[n] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)  # data starts 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def load_safetensors(path: str) -> dict[str, np.ndarray]:
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} has dtype {info['dtype']}, expected F32")
        s, e = info["data_offsets"]
        out[name] = np.frombuffer(raw[base + s : base + e], dtype="<f4").reshape(info["shape"]).copy()
    return out
