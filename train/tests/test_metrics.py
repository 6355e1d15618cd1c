"""The quality measure (train/metrics.py) against independent references and the TypeScript one."""

from __future__ import annotations

import json
import math
import os
import tempfile
import unittest

import numpy as np

from train import data, metrics
from train.tests.fixtures import REPO, node_available, prepared_corpus, run_tsx


def naive_stft_mag(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Direct DFT sums with hand-written reflect padding: an independent reference."""
    pad = n_fft // 2
    xp = [x[pad - i] for i in range(pad)] + list(x) + [x[len(x) - 2 - i] for i in range(pad)]
    frames = 1 + len(x) // hop
    out = np.zeros((frames, n_fft // 2 + 1))
    for f in range(frames):
        for k in range(n_fft // 2 + 1):
            acc = 0j
            for n in range(n_fft):
                w = 0.5 - 0.5 * math.cos(2 * math.pi * n / n_fft)
                acc += xp[f * hop + n] * w * complex(math.cos(2 * math.pi * k * n / n_fft), -math.sin(2 * math.pi * k * n / n_fft))
            out[f, k] = abs(acc)
    return out


def naive_mel(sr: int, n_fft: int, n_mels: int, fmax: float) -> np.ndarray:
    def mel(h):
        return 2595 * math.log10(1 + h / 700)

    def hz(m):
        return 700 * (10 ** (m / 2595) - 1)

    pts = [hz(mel(0) + (mel(fmax) - mel(0)) * i / (n_mels + 1)) for i in range(n_mels + 2)]
    fb = np.zeros((n_mels, n_fft // 2 + 1))
    for m in range(n_mels):
        for k in range(n_fft // 2 + 1):
            f = k * sr / n_fft
            if pts[m] <= f <= pts[m + 1]:
                fb[m, k] = (f - pts[m]) / (pts[m + 1] - pts[m])
            elif pts[m + 1] < f <= pts[m + 2]:
                fb[m, k] = (pts[m + 2] - f) / (pts[m + 2] - pts[m + 1])
    return fb


class MetricTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        folder = prepared_corpus()
        cls.clips = data.load_folder(folder)

    def test_identical_audio_scores_zero(self):
        x = self.clips[0].audio
        r = metrics.evaluate(x, x.copy())
        self.assertEqual(r["stft"]["sc"], 0.0)
        self.assertEqual(r["stft"]["logMag"], 0.0)
        self.assertEqual(r["logMelL1Db"], 0.0)

    def test_stft_matches_naive_dft(self):
        x = np.random.default_rng(1).standard_normal(70)
        np.testing.assert_allclose(metrics.stft_magnitude(x, 16, 4), naive_stft_mag(x, 16, 4), rtol=1e-9, atol=1e-9)

    def test_mel_filterbank_matches_naive_htk(self):
        np.testing.assert_allclose(metrics.mel_filterbank(), naive_mel(16000, 1024, 80, 8000.0), atol=1e-12)

    def test_half_amplitude_gives_known_values(self):
        # Halving the signal halves every magnitude: SC = 0.5, |ln S - ln S/2| = ln 2, mel power −6.02 dB.
        x = (0.5 * np.random.default_rng(2).standard_normal(16000)).astype(np.float32)
        r = metrics.evaluate(x, x * 0.5)
        self.assertAlmostEqual(r["stft"]["sc"], 0.5, places=9)
        self.assertAlmostEqual(r["stft"]["logMag"], math.log(2), places=6)
        self.assertAlmostEqual(r["logMelL1Db"], 20 * math.log10(2), places=3)

    def test_baselines_in_order_on_real_clips(self):
        for c in self.clips:
            b = metrics.baselines(c.audio)
            # The noise is exactly 20 dB below the clip's RMS.
            noise = metrics.add_noise_at(c.audio) - c.audio
            self.assertAlmostEqual(20 * math.log10(np.sqrt(np.mean(noise.astype(np.float64) ** 2)) /
                                                   np.sqrt(np.mean(c.audio.astype(np.float64) ** 2))), -20.0, places=3)
            self.assertGreater(b["silence"]["stft"]["total"], b["noise"]["stft"]["total"], c.id)
            self.assertGreater(b["silence"]["stft"]["sc"], b["noise"]["stft"]["sc"], c.id)
            self.assertGreater(b["noise"]["stft"]["total"], 0.0)

    @unittest.skipUnless(node_available() and os.path.exists(os.path.join(REPO, "src", "eval", "metrics.ts")),
                         "needs node and src/eval")
    def test_same_scores_as_typescript_eval(self):
        """Parity with src/eval (what `commonsynth eval` computes), on a real clip and its noisy copy."""
        x = self.clips[0].audio[:40000]
        y = metrics.add_noise_at(x)
        with tempfile.TemporaryDirectory() as d:
            x.astype("<f4").tofile(os.path.join(d, "x.f32"))
            y.astype("<f4").tofile(os.path.join(d, "y.f32"))
            script = os.path.join(d, "parity.mts")
            with open(script, "w") as f:
                f.write(f"""
import {{ readFileSync }} from 'node:fs';
import {{ evaluate }} from '{REPO}/src/eval/metrics.ts';
import {{ whiteNoise }} from '{REPO}/src/eval/baselines.ts';
const read = (p: string) => {{ const b = readFileSync(p); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); }};
console.log(JSON.stringify({{ scores: evaluate(read('{d}/x.f32'), read('{d}/y.f32')), noise: Array.from(whiteNoise(9, 1234)) }}));
""")
            ts = json.loads(run_tsx(script))
        py = metrics.evaluate(x, y)
        for k in ("sc", "logMag", "total"):
            self.assertAlmostEqual(py["stft"][k], ts["scores"]["stft"][k], places=6)
        self.assertAlmostEqual(py["logMelL1Db"], ts["scores"]["logMelL1Db"], places=5)
        np.testing.assert_allclose(metrics.white_noise(9, 1234), ts["noise"], rtol=1e-12)


if __name__ == "__main__":
    unittest.main()
