"""Atomic checkpoints: write to a temporary file then rename, so a kill never leaves a torn file."""

from __future__ import annotations

import os

import torch


def save_atomic(obj: dict, path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    torch.save(obj, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path: str, device: str = "cpu") -> dict:
    try:  # torch >= 2.6 defaults to weights_only=True; our checkpoints hold RNG states too
        return torch.load(path, map_location=device, weights_only=False)
    except TypeError:
        return torch.load(path, map_location=device)


def write_slim(src: str, out: str, max_bytes: int = 15 * 2**20) -> dict:
    """Model weights + what they are (family, hyperparameters, steps, history), no optimiser state:
    small enough to come back from a GPU machine. float16 only when float32 would exceed max_bytes."""
    state = load(src)
    model = state["model"]
    size = sum(v.numel() * 4 for v in model.values())
    half = size > max_bytes
    slim = {
        "family": state["family"], "hparams": state["hparams"], "step": state["step"],
        "elapsed": state["elapsed"], "history": state.get("history", []), "best": state.get("best"),
        "val_fraction": state.get("val_fraction", 0.12), "seed": state.get("seed", 0),
        "model": {k: (v.half() if half and v.is_floating_point() else v) for k, v in model.items()},
        "slim": True, "float16": half,
    }
    save_atomic(slim, out)
    return {"out": out, "bytes": os.path.getsize(out), "float16": half}
