"""Writes PyTorch reference outputs for the ONNX parity check (train/scripts/check_onnx.mjs):
audio.f32 (the input), latents.f32 and decoded.f32 (what PyTorch computes), shapes.json; for decoders
with a noise input also noise.f32 (seeded white noise, fed to both)."""

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from train.evaluate import load_run_model  # noqa: E402
from train.models.parallel_ae import ExportDecoder, ExportEncoder, ExportNoiseDecoder  # noqa: E402

ckpt, wav, out = sys.argv[1], sys.argv[2], sys.argv[3]
from train.data import read_wav  # noqa: E402

torch.set_num_threads(1)
model, _state, _ = load_run_model(".", ckpt, "cpu")
x = read_wav(wav)
n = (len(x) // 512) * 512
audio = torch.from_numpy(np.ascontiguousarray(x[:n]))[None]
os.makedirs(out, exist_ok=True)
with torch.no_grad():
    lat = ExportEncoder(model)(audio)
    if model.takes_noise:
        noise = torch.randn(1, lat.shape[1] * 512, generator=torch.Generator().manual_seed(7))
        noise.numpy().astype("<f4").tofile(os.path.join(out, "noise.f32"))
        y = ExportNoiseDecoder(model)(lat, noise)
    else:
        y = ExportDecoder(model)(lat)
audio.numpy().astype("<f4").tofile(os.path.join(out, "audio.f32"))
lat.numpy().astype("<f4").tofile(os.path.join(out, "latents.f32"))
y.numpy().astype("<f4").tofile(os.path.join(out, "decoded.f32"))
with open(os.path.join(out, "shapes.json"), "w") as f:
    json.dump({"audio": list(audio.shape), "latents": list(lat.shape), "decoded": list(y.shape)}, f)
print(json.dumps({"audio": list(audio.shape), "latents": list(lat.shape)}))
