"""The trainer end to end on real corpus audio: loss goes down, a package comes out (and runs on ONNX
Runtime like PyTorch), and a killed run resumes from its checkpoint exactly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np
import torch

from train.__main__ import main
from train.checkpoint import load
from train.tests.fixtures import REPO, node_available, prepared_corpus

TINY = ["--preset", "tiny", "--batch", "4", "--crop", "8192", "--threads", "1", "--quiet", "--val-per-theme", "1"]


def read_log(run: str) -> list[dict]:
    with open(os.path.join(run, "log.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


class TrainingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = prepared_corpus()
        cls.tmp = tempfile.mkdtemp(prefix="cs-train-run-")

    def test_sixty_second_run_lowers_loss_and_exports_a_package(self):
        run = os.path.join(self.tmp, "sixty")
        main(["train", "--data", self.data, "--run", run, "--minutes", "1", "--lr", "2e-3", "--log-every", "5",
              "--val-minutes", "0.5", *TINY])
        losses = [r["loss"] for r in read_log(run) if "loss" in r]
        self.assertGreaterEqual(len(losses), 6)
        self.assertLess(np.mean(losses[-3:]), np.mean(losses[:2]))
        self.assertTrue(any(r.get("event") == "val" for r in read_log(run)))

        pkg = os.path.join(self.tmp, "pkg")
        main(["export", "--run", run, "--checkpoint", "checkpoint.pt", "--out", pkg, "--name", "test-tiny", "--version", "1"])
        with open(os.path.join(pkg, "config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
        self.assertEqual(cfg["format"], "commonsynth-model")
        self.assertEqual(cfg["family"], "parallel-ae")
        self.assertEqual((cfg["sampleRate"], cfg["hop"], cfg["embeddingDims"]), (16000, 512, 16))
        self.assertEqual(cfg["files"], {"encoder": "encoder.onnx", "decoder": "decoder.onnx"})
        self.assertEqual(len(cfg["credits"]["trainingData"]), 6)
        for f in ("encoder.onnx", "decoder.onnx", "MODEL_CARD.md"):
            self.assertGreater(os.path.getsize(os.path.join(pkg, f)), 0)

        if node_available():
            # Parity of the exported graphs with PyTorch, through onnxruntime-node.
            ref = os.path.join(self.tmp, "ref")
            wav = os.path.join(self.data, "music", sorted(os.listdir(os.path.join(self.data, "music")))[0])
            subprocess.run([sys.executable, "train/scripts/onnx_reference.py", os.path.join(run, "checkpoint.pt"), wav,
                            ref], cwd=REPO, check=True, capture_output=True)
            out = subprocess.run(["node", "train/scripts/check_onnx.mjs", pkg, ref, "1"], cwd=REPO, check=True,
                                 capture_output=True, text=True).stdout
            r = json.loads(out)
            self.assertLess(r["latentsRelErr"], 1e-4)
            self.assertLess(r["audioRelErr"], 1e-4)

    def test_resumed_run_equals_uninterrupted_run(self):
        a, b = os.path.join(self.tmp, "straight"), os.path.join(self.tmp, "split")
        common = ["--data", self.data, "--val-minutes", "100", "--checkpoint-minutes", "100", "--gain-aug", *TINY]
        main(["train", "--run", a, "--steps", "6", *common])
        main(["train", "--run", b, "--steps", "3", *common])
        main(["train", "--run", b, "--steps", "6", *common])
        sa, sb = load(os.path.join(a, "checkpoint.pt")), load(os.path.join(b, "checkpoint.pt"))
        self.assertEqual(sa["step"], 6)
        self.assertEqual(sb["step"], 6)
        self.assertTrue(any(r.get("event") == "resume" and r["step"] == 3 for r in read_log(b)))
        for k in sa["model"]:
            self.assertTrue(torch.equal(sa["model"][k], sb["model"][k]), k)

    def test_killed_run_continues_from_its_checkpoint(self):
        run = os.path.join(self.tmp, "killed")
        cmd = [sys.executable, "-m", "train", "train", "--data", self.data, "--run", run, "--minutes", "5",
               "--checkpoint-minutes", "0.02", "--val-minutes", "100", *TINY]
        p = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ckpt = os.path.join(run, "checkpoint.pt")
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                if os.path.exists(ckpt) and load(ckpt)["step"] >= 2:
                    break
                time.sleep(0.5)
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait()
        saved = load(ckpt)["step"]
        self.assertGreaterEqual(saved, 2)
        main(["train", "--data", self.data, "--run", run, "--steps", str(saved + 2), "--val-minutes", "100", *TINY])
        log = read_log(run)
        self.assertEqual([r["step"] for r in log if r.get("event") == "resume"], [saved])
        self.assertEqual(load(ckpt)["step"], saved + 2)


if __name__ == "__main__":
    unittest.main()
