"""The training losses against the validation measure (train/metrics.py, numpy float64), and the crop
sampler's theme weights."""

from __future__ import annotations

import unittest

import numpy as np
import torch

from train import data, metrics
from train.loop import parse_theme_weights
from train.losses import LogMelL1Loss, MultiResolutionSTFTLoss, ReconstructionLoss
from train.tests.fixtures import prepared_corpus


def corpus_clips() -> list[data.Clip]:
    return data.load_folder(prepared_corpus())


class LogMelLossTest(unittest.TestCase):
    def test_equals_the_validation_measure_on_real_audio(self):
        clips = corpus_clips()
        rng = np.random.default_rng(3)
        for clip in clips[:3]:
            x = clip.audio[:24576]
            # A reconstruction that is quieter in the lows and noisy: the kind of error the model makes.
            y = (0.6 * x + 0.02 * rng.standard_normal(len(x))).astype(np.float32)
            got = float(LogMelL1Loss()(torch.from_numpy(y)[None], torch.from_numpy(x)[None]))
            want = metrics.log_mel_l1_db(x, y)
            self.assertGreater(want, 0.5)
            self.assertAlmostEqual(got, want, delta=1e-3 * want, msg=clip.id)

    def test_is_zero_for_identical_audio_and_averages_a_batch(self):
        clips = corpus_clips()
        x = np.stack([c.audio[:16384] for c in clips[:2]])
        y = (x * 0.5).astype(np.float32)
        loss = LogMelL1Loss()
        self.assertEqual(float(loss(torch.from_numpy(x), torch.from_numpy(x))), 0.0)
        per_clip = [metrics.log_mel_l1_db(x[i], y[i]) for i in range(2)]
        self.assertAlmostEqual(float(loss(torch.from_numpy(y), torch.from_numpy(x))), float(np.mean(per_clip)), places=2)

    def test_gradient_reaches_the_reconstruction(self):
        x = torch.from_numpy(corpus_clips()[0].audio[:16384])[None]
        y = (0.5 * x).clone().requires_grad_(True)
        LogMelL1Loss()(y, x).backward()
        self.assertTrue(torch.isfinite(y.grad).all())
        self.assertGreater(float(y.grad.abs().sum()), 0.0)


class ReconstructionLossTest(unittest.TestCase):
    def test_adds_the_weighted_log_mel_term_to_the_stft_loss(self):
        x = torch.from_numpy(corpus_clips()[1].audio[:16384])[None]
        y = 0.7 * x + 0.01 * torch.randn_like(x)
        stft, _ = MultiResolutionSTFTLoss()(y, x)
        alone, parts0 = ReconstructionLoss(0.0)(y, x)
        self.assertAlmostEqual(float(alone), float(stft), places=6)
        self.assertNotIn("logMelDb", parts0)
        both, parts = ReconstructionLoss(2.0)(y, x)
        mel = float(LogMelL1Loss()(y, x))
        self.assertAlmostEqual(parts["logMelDb"], mel, places=4)
        self.assertAlmostEqual(float(both), float(stft) + 2.0 * mel / 10.0, places=5)


class ThemeWeightTest(unittest.TestCase):
    @staticmethod
    def clips() -> list[data.Clip]:
        # Two themes of equal length; each clip is a constant, so a crop tells its theme.
        return [data.Clip(id=f"{t}/{i}.wav", theme=t, audio=np.full(20000, v, dtype=np.float32))
                for t, v in (("nature", 0.25), ("music", 0.5)) for i in range(2)]

    def share_of_nature(self, weights: dict[str, float] | None) -> float:
        s = data.CropSampler(self.clips(), 4096, seed=1, theme_weights=weights)
        batch = s.batch(2000)
        return float(np.mean(np.isclose(batch[:, 0], 0.25)))

    def test_weights_scale_how_often_a_theme_is_drawn(self):
        self.assertAlmostEqual(self.share_of_nature(None), 0.5, delta=0.05)
        self.assertAlmostEqual(self.share_of_nature({"nature": 3.0}), 0.75, delta=0.05)
        self.assertEqual(self.share_of_nature({"nature": 0.0}), 0.0)

    def test_bad_weights_are_refused_with_the_reason(self):
        with self.assertRaisesRegex(data.DataError, "forest"):
            data.CropSampler(self.clips(), 4096, seed=1, theme_weights={"forest": 2.0})
        with self.assertRaisesRegex(data.DataError, "leave some"):
            data.CropSampler(self.clips(), 4096, seed=1, theme_weights={"nature": 0.0, "music": 0.0})
        self.assertEqual(parse_theme_weights(["nature=2", "music=0.5"]), {"nature": 2.0, "music": 0.5})
        for bad in ("nature", "=2", "nature=-1", "nature=lots"):
            with self.assertRaises(SystemExit, msg=bad):
                parse_theme_weights([bad])


if __name__ == "__main__":
    unittest.main()
