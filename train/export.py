"""Write a commonsynth model package (docs/models.md) from a checkpoint.

parallel-ae → encoder.onnx + decoder.onnx (the ONNX contract: audio [B, T] ↔ latents [B, T/512, 16]),
wavenet-ae → weights.safetensors named as Magenta's variables; both with config.json, training.json
(history, metrics, the exact file split) and MODEL_CARD.md (training data with credits)."""

from __future__ import annotations

import json
import os
import shutil
import time

import torch

from .evaluate import load_run_model
from .loop import load_clips

WEIGHTS_LICENSE = "CC-BY-4.0"


def _credit(c) -> dict:
    cr = c.credit or {}
    out = {"title": cr.get("title") or c.id}
    if cr.get("author"):
        out["author"] = cr["author"]
    if cr.get("license"):
        out["license"] = cr["license"]
    if cr.get("source_url"):
        out["source"] = cr["source_url"]
    if cr.get("license_url"):
        out["licenseUrl"] = cr["license_url"]
    if cr.get("sha1"):
        out["sha1"] = cr["sha1"]
    return out


def export_onnx(model, out_dir: str, opset: int = 17) -> dict:
    from .models.parallel_ae import ExportDecoder, ExportEncoder, ExportNoiseDecoder

    model = model.float().cpu().eval()
    noisy = model.takes_noise
    enc = ExportEncoder(model).eval()
    dec = (ExportNoiseDecoder(model) if noisy else ExportDecoder(model)).eval()
    audio = torch.randn(1, 512 * 32) * 0.1
    with torch.no_grad():
        lat = enc(audio)
    dec_args = (lat, torch.randn(1, lat.shape[1] * 512)) if noisy else (lat,)
    dec_inputs = ["latents", "noise"] if noisy else ["latents"]
    dec_axes = {"latents": {0: "batch", 1: "frames"}, "audio": {0: "batch", 1: "samples"}}
    if noisy:
        dec_axes["noise"] = {0: "batch", 1: "samples"}
    paths = {"encoder": os.path.join(out_dir, "encoder.onnx"), "decoder": os.path.join(out_dir, "decoder.onnx")}
    with torch.no_grad():
        torch.onnx.export(enc, (audio,), paths["encoder"] + ".tmp", input_names=["audio"], output_names=["latents"],
                          dynamic_axes={"audio": {0: "batch", 1: "samples"}, "latents": {0: "batch", 1: "frames"}},
                          opset_version=opset, do_constant_folding=True)
        torch.onnx.export(dec, dec_args, paths["decoder"] + ".tmp", input_names=dec_inputs, output_names=["audio"],
                          dynamic_axes=dec_axes, opset_version=opset, do_constant_folding=True)
    for p in paths.values():
        os.replace(p + ".tmp", p)
    return {k: os.path.basename(v) for k, v in paths.items()}


def export_run(a) -> dict:
    model, state, path = load_run_model(a.run, a.checkpoint, "cpu")
    family, hp = state["family"], state["hparams"]
    sources = a.data if a.data else state.get("data")
    if not sources:
        raise SystemExit(f"{path}: the checkpoint does not say where its data is; pass --data")
    train_clips, val_clips = load_clips(sources, state.get("val_fraction", 0.12), state.get("seed", 0))
    tmp = a.out.rstrip("/") + ".tmp-export"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    if family == "parallel-ae":
        files = export_onnx(model, tmp, a.opset)
        emb = hp["latent_dims"]
        if model.takes_noise:
            model_credit = ("commonsynth parallel-ae (log-STFT encoder, harmonic-plus-noise source-filter decoder "
                            "after DDSP, f0 taught by YIN, multi-resolution STFT and log-mel loss), trained with "
                            "commonsynth's train/ by the commonsynth authors")
        else:
            model_credit = ("commonsynth parallel-ae (log-STFT encoder, learned upsampler with filtered-noise branch, "
                            "multi-resolution STFT loss), trained with commonsynth's train/ by the commonsynth authors")
    else:
        from .models.wavenet_ae import save_safetensors

        save_safetensors(model.magenta_weights(), os.path.join(tmp, "weights.safetensors"),
                         {"format": "commonsynth-model", "family": family, "name": a.name, "version": a.version})
        files = {"weights": "weights.safetensors"}
        emb = hp["bottleneckWidth"]
        model_credit = ("WaveNet autoencoder after Engel et al. 2017 (Magenta NSynth), trained with commonsynth's train/")
    metrics = None
    if a.metrics:
        with open(a.metrics, encoding="utf-8") as f:
            metrics = json.load(f)
    history = state.get("history", [])
    minutes = sum(h.get("seconds", 0) for h in history) / 60
    total_steps = sum(h.get("steps", 0) for h in history) or state["step"]
    config = {
        "format": "commonsynth-model", "formatVersion": 1, "name": a.name, "version": a.version,
        "family": family, "sampleRate": 16000, "hop": hp.get("hop", 512), "embeddingDims": emb,
        "hyperparameters": hp if family == "parallel-ae" else {k: hp[k] for k in WAVENET_FIELDS},
        "credits": {
            "trainingData": [_credit(c) for c in train_clips + val_clips],
            "model": model_credit,
            "license": WEIGHTS_LICENSE,
        },
        "files": files,
    }
    training = {
        "exported": time.strftime("%Y-%m-%dT%H:%M:%S"), "checkpoint": os.path.abspath(path),
        "step": total_steps, "minutes": round(minutes, 1), "history": history,
        "hardware": a.hardware, "trainFiles": [c.id for c in train_clips], "valFiles": [c.id for c in val_clips],
        "trainSeconds": round(sum(len(c.audio) for c in train_clips) / 16000, 1),
        "metrics": metrics["summary"] if metrics else None,
    }
    with open(os.path.join(tmp, "training.json"), "w", encoding="utf-8") as f:
        json.dump(training, f, indent=1)
    with open(os.path.join(tmp, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
        f.write(model_card(config, training, train_clips, val_clips))
    # config.json last: a folder with a config.json always holds a complete package.
    with open(os.path.join(tmp, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=1)
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.replace(tmp, a.out)
    return {"out": a.out, "family": family, "files": sorted(os.listdir(a.out)), "steps": total_steps}


WAVENET_FIELDS = ["family", "sampleRate", "hop", "filterLength", "numLayers", "numStages", "width", "skipWidth",
                  "aeNumLayers", "aeNumStages", "aeWidth", "bottleneckWidth", "quantizationChannels"]


def _fmt_metrics(summary: dict) -> str:
    def num(v, fmt):
        return "n/a" if v is None else format(v, fmt)

    lines = ["| theme | clips | MR-STFT (SC + log-mag) | log-mel L1 dB | frame periodicity (original) | "
             "frame-grid peak share (original) | pitch kept (voiced clips) | silence MR-STFT / log-mel |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for theme, r in summary.items():
        if not isinstance(r, dict) or "model" not in r:
            continue
        m, s, o = r["model"], r.get("silence", {}), r.get("original", {})
        lines.append(
            f"| {theme} | {r['clips']} | {m['stft']:.3f} ({m['sc']:.3f} + {m['logMag']:.3f}) | {m['logMelL1Db']:.2f} | "
            f"{num(m.get('periodicity'), '.3f')} ({num(o.get('periodicity'), '.3f')}) | "
            f"{num(m.get('gridShare'), '.2f')} ({num(o.get('gridShare'), '.2f')}) | "
            f"{num(m.get('pitchKept'), '.2f')} ({m.get('voicedClips', 0)}) | "
            f"{num(s.get('stft'), '.3f')} / {num(s.get('logMelL1Db'), '.2f')} |")
    return "\n".join(lines)


def model_card(config: dict, training: dict, train_clips, val_clips) -> str:
    def loss_of(h: dict) -> str:
        text = "MR-STFT" + (f" + {h['mel_weight']:g} x log-mel" if h.get("mel_weight") else "")
        weights = h.get("theme_weights") or {}
        return text + "".join(f", {t} crops x{w:g}" for t, w in sorted(weights.items()))

    hist = "\n".join(
        f"| {h.get('device')} | {h.get('seconds', 0) / 60:.1f} | {h.get('steps')} | {h.get('batch')} x {h.get('crop')} | "
        f"{h.get('lr')} | {loss_of(h)} |"
        for h in training["history"])
    metrics = _fmt_metrics(training["metrics"]) if training["metrics"] else "(not measured at export)"

    def rows(clips, role):
        out = []
        for c in clips:
            cr = c.credit or {}
            out.append(f"| {role} | {c.theme} | {cr.get('title', c.id)} | {cr.get('author', '')} | "
                       f"{cr.get('license', '')} | {cr.get('source_url', '')} | {cr.get('sha1', '')} |")
        return out

    return f"""# {config['name']} {config['version']} ({config['family']})

{config['credits']['model']}.

- Interface: 16 kHz mono audio ↔ {config['embeddingDims']}-dim latents every {config['hop']} samples
  (docs/models.md, "parallel-ae ONNX contract").
- Weights license: {config['credits']['license']} (all training audio is CC0, CC-BY or public domain; credits below).
- Trained for {training['minutes']} minutes in total, {training['step']} steps, on {training['trainSeconds']} s of audio
  ({len(train_clips)} files); validation on {len(val_clips)} held-out files (split by file, stratified by theme).
- Hyperparameters: `{json.dumps(config['hyperparameters'])}`

## Training (one row per invocation of the trainer)

Hardware as given at export: {training['hardware'] or 'not given'}.

| hardware | minutes | steps | batch x crop (samples) | learning rate | loss (+ KL), crop sampling |
| --- | --- | --- | --- | --- | --- |
{hist}

## Quality on the validation split (lower is better; docs/training.md defines the measures)

{metrics}

## Training data and credits

Every file below was used: "train" files for the gradient steps, "validation" files only to measure and choose
checkpoints. Sources: the commonsynth shared corpus and training set (mostly ESC-50 clips from freesound.org,
sfzinstruments samples, a few Wikimedia Commons, archive.org and librosa example recordings), each file's
credit exactly as in its manifest.

| role | theme | title | author | license | source | sha1 |
| --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rows(train_clips, 'train') + rows(val_clips, 'validation'))}
"""
