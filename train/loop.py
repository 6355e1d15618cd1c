"""The training loop shared by both families: random crops, Adam, a wall-clock budget, periodic
atomic checkpoints that resume exactly (model, optimiser, step, elapsed time and every RNG state),
JSONL logs of the training loss and the validation measure."""

from __future__ import annotations

import json
import math
import os
import random
import time

import numpy as np
import torch

from . import checkpoint, data, metrics
from .losses import ReconstructionLoss
from .models.parallel_ae import PRESETS as PAE_PRESETS
from .models.parallel_ae import ParallelAE, ParallelAEConfig


def build_model(family: str, hparams: dict):
    if family == "parallel-ae":
        return ParallelAE(ParallelAEConfig.from_dict(hparams))
    if family == "wavenet-ae":
        from .models.wavenet_ae import WaveNetAE, WaveNetAEConfig

        return WaveNetAE(WaveNetAEConfig.from_dict(hparams))
    raise ValueError(f"unknown family {family!r} (parallel-ae or wavenet-ae)")


def preset_hparams(family: str, preset: str) -> dict:
    if family == "parallel-ae":
        if preset not in PAE_PRESETS:
            raise ValueError(f"unknown parallel-ae preset {preset!r}: {sorted(PAE_PRESETS)}")
        return ParallelAEConfig.from_dict(PAE_PRESETS[preset]).to_dict()
    from .models.wavenet_ae import PRESETS as WN_PRESETS, WaveNetAEConfig

    if preset not in WN_PRESETS:
        raise ValueError(f"unknown wavenet-ae preset {preset!r}: {sorted(WN_PRESETS)}")
    return WaveNetAEConfig.from_dict(WN_PRESETS[preset]).to_dict()


def parse_theme_weights(items: list[str] | None) -> dict[str, float]:
    """["nature=2", "music=0.5"] → {"nature": 2.0, "music": 0.5}."""
    out: dict[str, float] = {}
    for item in items or []:
        theme, sep, value = item.partition("=")
        try:
            w = float(value)
        except ValueError:
            w = -1.0
        if not sep or not theme or not (w >= 0):
            raise SystemExit(f"--theme-weight {item!r}: expected THEME=WEIGHT with a weight >= 0")
        out[theme] = w
    return out


def load_clips(sources: list[str], val_fraction: float, seed: int):
    """Folders of WAV are split here; a .npz pack carries its own split."""
    train, val = [], []
    folders = [s for s in sources if os.path.isdir(s)]
    packs = [s for s in sources if not os.path.isdir(s)]
    for p in packs:
        tr, va = data.read_pack(p)
        train += tr
        val += va
    if folders:
        clips = []
        for f in folders:
            clips += data.load_folder(f)
        tr, va = data.split_by_file(clips, val_fraction, seed)
        train += tr
        val += va
    return train, val


def reconstruct(model, audio: np.ndarray, device: str, chunk: int = 16000 * 30) -> np.ndarray:
    """Encode + decode a whole clip (padded to a multiple of the hop, then trimmed)."""
    hop = 512
    n = len(audio)
    padded = np.zeros(int(math.ceil(n / hop)) * hop, dtype=np.float32)
    padded[:n] = audio
    with torch.no_grad():
        y = model.reconstruct(torch.from_numpy(padded)[None].to(device))
    return y[0, :n].float().cpu().numpy()


def validate(model, clips: list[data.Clip], device: str, with_baselines: bool = False) -> dict:
    if hasattr(model, "validation_loss"):
        return validate_nll(model, clips, device)
    model.eval()
    rows = []
    for c in clips:
        rec = reconstruct(model, c.audio, device)
        scores = {"model": metrics.evaluate(c.audio, rec)}
        if with_baselines:
            scores.update(metrics.baselines(c.audio))
        rows.append({"id": c.id, "theme": c.theme, "scores": scores})
    model.train()
    return {"summary": metrics.summarise(rows), "clips": rows}


def validate_nll(model, clips: list[data.Clip], device: str, seconds: float = 1.0) -> dict:
    """Autoregressive families: teacher-forced NLL (nats per sample) on the first second of each clip."""
    model.eval()
    rows = []
    n = int(seconds * 16000) // 512 * 512
    for c in clips:
        a = np.zeros(n, dtype=np.float32)
        a[: min(n, len(c.audio))] = c.audio[:n]
        rows.append({"id": c.id, "theme": c.theme, "nll": model.validation_loss(torch.from_numpy(a)[None].to(device))})
    model.train()
    themes = sorted({r["theme"] for r in rows})
    summary = {t: {"model": {"nll": float(np.mean([r["nll"] for r in rows if r["theme"] == t]))}} for t in themes}
    summary["overall"] = {"model": {"nll": float(np.mean([r["nll"] for r in rows]))}}
    return {"summary": summary, "clips": rows}


def val_score(v: dict) -> float:
    """One number to pick the best checkpoint: NLL, or MR-STFT distance + log-mel dB / 10."""
    return v["nll"] if "nll" in v else v["stft"] + v["logMelL1Db"] / 10


def val_subset(clips: list[data.Clip], per_theme: int) -> list[data.Clip]:
    out, seen = [], {}
    for c in clips:
        if seen.get(c.theme, 0) < per_theme:
            out.append(c)
            seen[c.theme] = seen.get(c.theme, 0) + 1
    return out


def train(args) -> dict:
    torch.set_num_threads(args.threads)
    device = args.device
    run = args.run
    os.makedirs(run, exist_ok=True)
    ckpt_path = os.path.join(run, "checkpoint.pt")
    log_path = os.path.join(run, "log.jsonl")

    def log(rec: dict) -> None:
        rec = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), **rec}
        with open(log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
        if not args.quiet:
            print(json.dumps(rec), flush=True)

    resumed = os.path.exists(ckpt_path)
    if resumed:
        state = checkpoint.load(ckpt_path, device)
        family, hp = state["family"], state["hparams"]
        sources = state["data"]
    else:
        family = args.family
        hp = preset_hparams(family, args.preset)
        for kv in args.set or []:
            k, v = kv.split("=", 1)
            hp[k] = json.loads(v)
        sources = [os.path.abspath(s) for s in args.data]
        state = None

    train_clips, val_clips = load_clips(sources, args.val_fraction, args.seed)
    torch.manual_seed(args.seed)  # the same seed gives the same initial weights
    random.seed(args.seed)
    model = build_model(family, hp).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.8, 0.99))
    theme_weights = parse_theme_weights(args.theme_weight)
    sampler = data.CropSampler(train_clips, args.crop, args.seed, theme_weights)
    step, elapsed, best = 0, 0.0, None
    # Where this model's training happened: one entry per invocation (device, minutes, steps).
    history: list[dict] = []
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, elapsed, best = state["step"], state["elapsed"], state.get("best")
        history = state.get("history", [])
        sampler.set_state(state["sampler"])
        torch.set_rng_state(state["torch_rng"])
        if device.startswith("cuda") and state.get("cuda_rng") is not None:
            torch.cuda.set_rng_state(state["cuda_rng"])
        random.setstate(state["py_rng"])
        log({"event": "resume", "step": step, "elapsed": elapsed})
    else:
        if args.init:
            init = model.load_init(args.init)
            history = list(init.get("history", []))
            log({"event": "init", "from": args.init, "history": history})
        log({"event": "start", "family": family, "hparams": hp, "data": sources,
             "train_files": len(train_clips), "val_files": len(val_clips),
             "train_seconds": sum(len(c.audio) for c in train_clips) / 16000,
             "params": sum(p.numel() for p in model.parameters()), "device": device, "threads": args.threads})
    for g in opt.param_groups:
        g["lr"] = args.lr
    loss_fn = ReconstructionLoss(args.mel_weight).to(device)
    quick_val = val_subset(val_clips, args.val_per_theme)

    def save(tag: str = "checkpoint.pt") -> None:
        history[-1]["steps"] = step - history[-1]["start_step"]
        history[-1]["seconds"] = round(time.time() - session_start, 1)
        checkpoint.save_atomic({
            "family": family, "hparams": hp, "data": sources, "model": model.state_dict(),
            "optimizer": opt.state_dict(), "step": step, "elapsed": elapsed, "best": best,
            "sampler": sampler.state(), "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state() if device.startswith("cuda") else None,
            "py_rng": random.getstate(), "crop": args.crop, "batch": args.batch,
            "val_fraction": args.val_fraction, "seed": args.seed, "history": history,
        }, os.path.join(run, tag))

    if device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    hardware = torch.cuda.get_device_name(0) if device.startswith("cuda") else f"cpu x{args.threads} threads"
    history.append({"device": hardware, "start_step": step, "steps": 0, "seconds": 0.0, "batch": args.batch,
                    "crop": args.crop, "lr": args.lr, "mel_weight": args.mel_weight,
                    "theme_weights": theme_weights})
    budget = args.minutes * 60.0
    session_start = time.time()
    base_elapsed = elapsed
    last_ckpt = last_val = time.time()
    acc, acc_n = 0.0, 0
    while True:
        now = time.time()
        elapsed = base_elapsed + (now - session_start)
        if args.steps is not None and step >= args.steps:
            break
        if args.steps is None and now - session_start >= budget:
            break
        if args.lr_final < 1.0 and args.steps is None:
            # Cosine decay over this invocation's budget: most of the gain of a run comes at its end.
            frac = min(1.0, (now - session_start) / budget)
            for g in opt.param_groups:
                g["lr"] = args.lr * (args.lr_final + (1 - args.lr_final) * 0.5 * (1 + math.cos(math.pi * frac)))
        x = torch.from_numpy(sampler.batch(args.batch)).to(device)
        if args.gain_aug:
            x = x * torch.empty(x.shape[0], 1, device=device).uniform_(0.5, 1.25)
        loss, parts = model.training_loss(x, loss_fn)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        acc += float(loss)
        acc_n += 1
        if step % args.log_every == 0:
            log({"step": step, "elapsed": round(elapsed, 1), "loss": acc / acc_n, **parts})
            acc, acc_n = 0.0, 0
        if time.time() - last_val >= args.val_minutes * 60 and quick_val:
            v = validate(model, quick_val, device)["summary"]["overall"]["model"]
            improved = best is None or val_score(v) < val_score(best)
            if improved:
                best = {**v, "step": step}
            elapsed = base_elapsed + (time.time() - session_start)
            save()
            if improved:
                save("best.pt")
            log({"event": "val", "step": step, "elapsed": round(elapsed, 1), "val": v, "best": improved})
            last_val = last_ckpt = time.time()
        if time.time() - last_ckpt >= args.checkpoint_minutes * 60:
            elapsed = base_elapsed + (time.time() - session_start)
            save()
            last_ckpt = time.time()
            log({"event": "checkpoint", "step": step, "elapsed": round(elapsed, 1)})
    elapsed = base_elapsed + (time.time() - session_start)
    save()
    log({"event": "stop", "step": step, "elapsed": round(elapsed, 1)})
    return {"step": step, "elapsed": elapsed}
