"""Evaluate a run's checkpoint on its held-out files: the model and both baselines, per theme."""

from __future__ import annotations

import os
import time

import torch

from . import checkpoint
from .loop import build_model, load_clips, validate


def load_run_model(run: str, which: str, device: str):
    path = which if os.path.isfile(which) else os.path.join(run, which)
    if not os.path.exists(path):
        path = os.path.join(run, "checkpoint.pt")
    state = checkpoint.load(path, device)
    model = build_model(state["family"], state["hparams"]).to(device)
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state["model"].items()})
    model.eval()
    return model, state, path


def evaluate_run(a) -> dict:
    torch.set_num_threads(a.threads)
    model, state, path = load_run_model(a.run, a.checkpoint, a.device)
    sources = a.data if a.data else state.get("data")
    if not sources:
        raise SystemExit(f"{path}: the checkpoint does not say where its data is; pass --data")
    _train, val = load_clips(sources, state.get("val_fraction", 0.12), state.get("seed", 0))
    t0 = time.time()
    res = validate(model, val, a.device, with_baselines=True)
    res["checkpoint"] = {"path": path, "step": state["step"], "elapsed": state["elapsed"],
                         "family": state["family"], "hparams": state["hparams"]}
    res["val_files"] = [c.id for c in val]
    res["seconds"] = time.time() - t0
    return res
