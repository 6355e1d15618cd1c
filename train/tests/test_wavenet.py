"""wavenet-ae: the NSynth computation (issue 3) against an independent naive implementation, Magenta's
variable names and shapes (as the TypeScript side declares them), safetensors export and fine-tuning."""

from __future__ import annotations

import json
import math
import os
import tempfile
import unittest

import numpy as np
import torch

from train.__main__ import main
from train.models.wavenet_ae import (PRESETS, WaveNetAE, WaveNetAEConfig, inv_mu_law, load_safetensors, mu_law,
                                     variable_shapes)
from train.tests.fixtures import REPO, node_available, prepared_corpus, run_tsx


def naive_conv(x, W, b, d, causal):
    """x [Cin, T], W [1, k, Cin, Cout]: tap j reads t-(k-1-j)d (causal) or t+(j-(k-1)/2)d (SAME)."""
    k, T = W.shape[1], x.shape[1]
    out = np.tile(b[:, None], (1, T)).astype(np.float64)
    for t in range(T):
        for j in range(k):
            s = t - (k - 1 - j) * d if causal else t + (j - (k - 1) // 2) * d
            if 0 <= s < T:
                out[:, t] += W[0, j].T @ x[:, s]
    return out


def naive_forward(w: dict, c: WaveNetAEConfig, audio: np.ndarray):
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    mu = np.floor(128 * np.sign(audio) * np.log(1 + 255 * np.abs(audio)) / math.log(256))
    x = (mu / 128.0)[None, :]
    conv = lambda name, v, d=1, causal=False: naive_conv(v, w[name + "/W"], w[name + "/biases"], d, causal)  # noqa: E731
    en = conv("ae_startconv", x)
    for i in range(c.aeNumLayers):
        h = conv(f"ae_dilatedconv_{i + 1}", relu(en), 2 ** (i % c.aeNumStages))
        en = en + conv(f"ae_res_{i + 1}", relu(h))
    en = conv("ae_bottleneck", en)
    frames = en.shape[1] // c.hop
    emb = en[:, : frames * c.hop].reshape(en.shape[0], frames, c.hop).mean(axis=2)
    cond = np.repeat(emb, c.hop, axis=1)
    xs = np.concatenate([np.zeros((1, 1)), x[:, :-1]], axis=1)
    l = conv("startconv", xs, 1, True)
    s = conv("skip_start", l)
    for i in range(c.numLayers):
        h = conv(f"dilatedconv_{i + 1}", l, 2 ** (i % c.numStages), True) + conv(f"cond_map_{i + 1}", cond)
        g = 1 / (1 + np.exp(-h[: c.width])) * np.tanh(h[c.width :])
        l = l + conv(f"res_{i + 1}", g)
        s = s + conv(f"skip_{i + 1}", g)
    s = conv("out1", relu(s)) + conv("cond_map_out1", cond)
    return emb, conv("logits", relu(s))


class WaveNetTest(unittest.TestCase):
    def test_mu_law_edges(self):
        x = torch.tensor([-1.0, -1e-3, -1e-9, 0.0, 1e-9, 1e-3, 1.0])
        expect = [math.floor(128 * math.copysign(1, v) * math.log(1 + 255 * abs(v)) / math.log(256)) if v else 0
                  for v in x.tolist()]
        self.assertEqual(mu_law(x).tolist(), expect)
        self.assertEqual(mu_law(torch.tensor([-1.0, 1.0])).tolist(), [-128, 128])
        self.assertAlmostEqual(float(inv_mu_law(torch.tensor(128.0))), 1.0, places=6)
        self.assertEqual(float(inv_mu_law(torch.tensor(0.0))), 0.0)

    def test_matches_naive_reference(self):
        c = WaveNetAEConfig.from_dict({**PRESETS["tiny"], "hop": 16})
        torch.manual_seed(0)
        m = WaveNetAE(c)
        for p in m.parameters():  # non-zero biases too, so that every term is exercised
            p.data.normal_(0, 0.3)
        audio = (np.random.default_rng(0).uniform(-0.9, 0.9, 96)).astype(np.float32)
        w = {k: v.astype(np.float64) for k, v in m.magenta_weights().items()}
        emb_ref, logits_ref = naive_forward(w, c, audio.astype(np.float64))
        with torch.no_grad():
            a = torch.from_numpy(audio)[None]
            emb = m.encode(a)
            logits = m.decode_logits(a, emb)
        np.testing.assert_allclose(emb[0].numpy(), emb_ref, atol=1e-4, rtol=1e-4)
        np.testing.assert_allclose(logits[0].numpy(), logits_ref, atol=1e-4, rtol=1e-4)

    def test_h512_bo16_variables(self):
        shapes = variable_shapes(WaveNetAEConfig())
        self.assertEqual(shapes["dilatedconv_7/W"], [1, 3, 512, 1024])
        self.assertEqual(shapes["ae_bottleneck/W"], [1, 1, 128, 16])
        self.assertEqual(shapes["cond_map_30/W"], [1, 1, 16, 1024])
        if node_available():
            with tempfile.TemporaryDirectory() as d:
                script = os.path.join(d, "shapes.mts")
                with open(script, "w") as f:
                    f.write(f"import {{ wavenetVariableShapes, H512_BO16 }} from '{REPO}/src/model/wavenet-config.ts';\n"
                            "console.log(JSON.stringify(Object.fromEntries(wavenetVariableShapes(H512_BO16))));\n")
                self.assertEqual(json.loads(run_tsx(script)), shapes)

    def test_export_package_and_fine_tune_from_it(self):
        data = prepared_corpus()
        with tempfile.TemporaryDirectory() as d:
            run, pkg, run2 = os.path.join(d, "run"), os.path.join(d, "pkg"), os.path.join(d, "run2")
            args = ["--family", "wavenet-ae", "--preset", "tiny", "--data", data, "--batch", "2", "--crop", "2048",
                    "--threads", "1", "--quiet", "--val-minutes", "100"]
            main(["train", "--run", run, "--steps", "3", *args])
            main(["export", "--run", run, "--out", pkg, "--name", "wn-tiny", "--version", "1"])
            with open(os.path.join(pkg, "config.json"), encoding="utf-8") as f:
                cfg = json.load(f)
            self.assertEqual(cfg["family"], "wavenet-ae")
            self.assertEqual(cfg["files"], {"weights": "weights.safetensors"})
            self.assertEqual(cfg["hyperparameters"], WaveNetAEConfig.from_dict(PRESETS["tiny"]).to_dict())
            with open(os.path.join(pkg, "weights.safetensors"), "rb") as f:
                raw = f.read()
            header_len = int.from_bytes(raw[:8], "little")
            self.assertEqual((8 + header_len) % 8, 0)
            header = json.loads(raw[8 : 8 + header_len])
            self.assertEqual(header["ae_startconv/W"]["dtype"], "F32")
            weights = load_safetensors(os.path.join(pkg, "weights.safetensors"))
            self.assertEqual({k: list(v.shape) for k, v in weights.items()},
                             variable_shapes(WaveNetAEConfig.from_dict(PRESETS["tiny"])))
            if node_available():
                script = os.path.join(d, "load.mts")
                with open(script, "w") as f:
                    f.write(f"import {{ loadModelPackage }} from '{REPO}/src/model/package/index.ts';\n"
                            f"const p = await loadModelPackage('{pkg}', {{ strict: true }});\n"
                            "if (p.family !== 'wavenet-ae') throw new Error('family');\n"
                            "console.log(JSON.stringify({ n: p.weights.size, w: Array.from(p.weights.get('logits/W').data.slice(0, 4)) }));\n")
                ts = json.loads(run_tsx(script))
                self.assertEqual(ts["n"], len(weights))
                np.testing.assert_allclose(ts["w"], weights["logits/W"].reshape(-1)[:4], rtol=0, atol=0)
            # Fine-tuning starts from exactly the package's weights.
            main(["train", "--run", run2, "--steps", "0", "--init", pkg, *args])
            state = torch.load(os.path.join(run2, "checkpoint.pt"))
            np.testing.assert_array_equal(state["model"]["vars.logits__W"].numpy(), weights["logits/W"])


if __name__ == "__main__":
    unittest.main()
