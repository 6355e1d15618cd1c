"""CLI: /usr/bin/python3 -m train {train,export,eval,pack} …  (run from the repository root)."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m train", description="commonsynth model trainer")
    sub = p.add_subparsers(dest="cmd", required=True)

    t = sub.add_parser("train", help="train (or resume) a model in a run folder")
    t.add_argument("--family", default="parallel-ae", choices=["parallel-ae", "wavenet-ae"])
    t.add_argument("--preset", default="small")
    t.add_argument("--set", action="append", metavar="KEY=JSON", help="override one hyperparameter")
    t.add_argument("--data", nargs="+", default=[], help="folders of 16 kHz mono WAV (theme = first subfolder) or .npz packs")
    t.add_argument("--run", required=True, help="run folder: checkpoint.pt, best.pt, log.jsonl (resumes if present)")
    t.add_argument("--minutes", type=float, default=10.0, help="wall-clock budget of this invocation")
    t.add_argument("--steps", type=int, default=None, help="stop after this many steps in total instead")
    t.add_argument("--device", default="cpu")
    t.add_argument("--threads", type=int, default=2, help="torch CPU threads (Debian's torch defaults to 1)")
    t.add_argument("--batch", type=int, default=8)
    t.add_argument("--crop", type=int, default=16384, help="crop length in samples (multiple of 512)")
    t.add_argument("--lr", type=float, default=3e-4)
    t.add_argument("--lr-final", type=float, default=1.0,
                   help="cosine-decay the learning rate to this fraction over --minutes (1 = constant)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--val-fraction", type=float, default=0.12)
    t.add_argument("--val-per-theme", type=int, default=3, help="clips per theme in the periodic validation")
    t.add_argument("--val-minutes", type=float, default=10.0)
    t.add_argument("--checkpoint-minutes", type=float, default=3.0)
    t.add_argument("--log-every", type=int, default=20)
    t.add_argument("--mel-weight", type=float, default=0.0,
                   help="add this x log-mel L1 (dB/10) to the MR-STFT loss (the validation measure's second half)")
    t.add_argument("--theme-weight", action="append", metavar="THEME=W",
                   help="draw crops of this theme W times as often per second of audio (repeatable)")
    t.add_argument("--gain-aug", action="store_true", help="random gain 0.5–1.25 per crop")
    t.add_argument("--init", default=None, help="start from these weights: a trainer checkpoint (.pt) of the same hyperparameters, or for wavenet-ae also a model package folder")
    t.add_argument("--quiet", action="store_true")

    e = sub.add_parser("export", help="write a commonsynth model package from a run's checkpoint")
    e.add_argument("--run", default=".")
    e.add_argument("--checkpoint", default="best.pt",
                   help="a file in --run (best.pt, falling back to checkpoint.pt) or a path to a checkpoint")
    e.add_argument("--data", nargs="*", default=None, help="the training data, for credits (default: the run's)")
    e.add_argument("--opset", type=int, default=17)
    e.add_argument("--out", required=True)
    e.add_argument("--name", default="commonsynth-default")
    e.add_argument("--version", default="0.1.0")
    e.add_argument("--hardware", default="")
    e.add_argument("--metrics", default=None, help="eval JSON to put in the config and model card")

    v = sub.add_parser("eval", help="the validation measure on a run's held-out files, with baselines")
    v.add_argument("--run", default=".")
    v.add_argument("--checkpoint", default="best.pt", help="a file in --run, or a path to a checkpoint")
    v.add_argument("--data", nargs="*", default=None, help="override the run's data (same split rule)")
    v.add_argument("--device", default="cpu")
    v.add_argument("--threads", type=int, default=2)
    v.add_argument("--out", default=None, help="write the JSON here")

    k = sub.add_parser("pack", help="pack WAV folders into one .npz (train mu-law 8-bit, val int16)")
    k.add_argument("--data", nargs="+", required=True)
    k.add_argument("--out", required=True)
    k.add_argument("--val-fraction", type=float, default=0.12)
    k.add_argument("--seed", type=int, default=0)

    s = sub.add_parser("slim", help="weights-only copy of a checkpoint (to bring back from a GPU machine)")
    s.add_argument("--checkpoint", required=True)
    s.add_argument("--out", required=True)

    a = p.parse_args(argv)
    if a.cmd == "train":
        from .loop import train

        print(json.dumps(train(a)))
    elif a.cmd == "pack":
        from . import data

        clips = []
        for d in a.data:
            clips += data.load_folder(d)
        tr, va = data.split_by_file(clips, a.val_fraction, a.seed)
        data.write_pack(a.out, tr, va)
        print(json.dumps({"train": len(tr), "val": len(va), "out": a.out}))
    elif a.cmd == "eval":
        from .evaluate import evaluate_run

        res = evaluate_run(a)
        s = json.dumps(res["summary"], indent=1)
        if a.out:
            with open(a.out, "w", encoding="utf-8") as f:
                json.dump(res, f, indent=1)
        print(s)
    elif a.cmd == "slim":
        from .checkpoint import write_slim

        print(json.dumps(write_slim(a.checkpoint, a.out)))
    elif a.cmd == "export":
        from .export import export_run

        print(json.dumps(export_run(a)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
