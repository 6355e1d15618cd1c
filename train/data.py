"""Training data: folders of 16 kHz mono WAV (the output of `commonsynth prep`), a split held out by
file and stratified by theme, random crops, and a compact pack (.npz) that travels to GPU machines."""

from __future__ import annotations

import hashlib
import json
import os
import wave
from dataclasses import dataclass, field

import numpy as np

SAMPLE_RATE = 16000


class DataError(Exception):
    """Bad training data (wrong rate, not mono, unreadable), naming the file."""


@dataclass
class Clip:
    """One file's audio (float32 in [-1, 1]) with where it came from."""

    id: str
    theme: str
    audio: np.ndarray
    credit: dict = field(default_factory=dict)


def read_wav(path: str) -> np.ndarray:
    """16 kHz WAV (PCM 8/16/24/32-bit or IEEE float 32/64, plain or WAVE_FORMAT_EXTENSIBLE, any channel
    count, averaged to mono) → float32. A small RIFF reader: the stdlib `wave` module refuses float and
    extensible files, which `commonsynth prep --format float32` writes."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e})") from e
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise DataError(f"{path}: not a RIFF/WAVE file")
    fmt = data = None
    pos = 12
    while pos + 8 <= len(raw):
        cid, size = raw[pos : pos + 4], int.from_bytes(raw[pos + 4 : pos + 8], "little")
        body = raw[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            fmt = body
        elif cid == b"data":
            data = body
        pos += 8 + size + (size & 1)
    if fmt is None or data is None or len(fmt) < 16:
        raise DataError(f"{path}: WAV without a fmt or data chunk")
    tag = int.from_bytes(fmt[0:2], "little")
    channels = int.from_bytes(fmt[2:4], "little")
    rate = int.from_bytes(fmt[4:8], "little")
    bits = int.from_bytes(fmt[14:16], "little")
    if tag == 0xFFFE and len(fmt) >= 26:
        tag = int.from_bytes(fmt[24:26], "little")  # the sub-format GUID starts with the format tag
    if rate != SAMPLE_RATE:
        raise DataError(f"{path}: sample rate {rate} Hz, expected {SAMPLE_RATE} (run `commonsynth prep` first)")
    if channels < 1:
        raise DataError(f"{path}: {channels} channels")
    width = bits // 8
    n = len(data) // (width * channels) * channels
    data = data[: n * width]
    if tag == 1 and bits == 16:
        x = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    elif tag == 1 and bits == 24:
        b = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v)).astype(np.float32) / 8388608.0
    elif tag == 1 and bits == 32:
        x = (np.frombuffer(data, dtype="<i4").astype(np.float64) / 2147483648.0).astype(np.float32)
    elif tag == 1 and bits == 8:
        x = (np.frombuffer(data, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif tag == 3 and bits == 32:
        x = np.frombuffer(data, dtype="<f4").astype(np.float32)
    elif tag == 3 and bits == 64:
        x = np.frombuffer(data, dtype="<f8").astype(np.float32)
    else:
        raise DataError(f"{path}: unsupported WAV encoding (format {tag}, {bits} bits)")
    if channels != 1:
        x = x.reshape(-1, channels).mean(axis=1)
    if not np.all(np.isfinite(x)):
        raise DataError(f"{path}: non-finite samples")
    return np.ascontiguousarray(x, dtype=np.float32)


def write_wav(path: str, audio: np.ndarray) -> None:
    pcm = np.clip(np.round(np.asarray(audio, dtype=np.float64) * 32767.0), -32768, 32767).astype("<i2")
    tmp = path + ".tmp"
    with wave.open(tmp, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())
    os.replace(tmp, path)


def load_credits(root: str) -> dict[str, dict]:
    """Optional credits.json beside the theme folders: a list of records with a `wav` key
    (path relative to root) plus title/author/license/license_url/source_url/sha1."""
    path = os.path.join(root, "credits.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        rows = json.load(f)
    return {r["wav"]: r for r in rows}


def load_folder(root: str, min_samples: int = 2048) -> list[Clip]:
    """Every *.wav under root; the theme is the first folder below root ('default' if none)."""
    credits = load_credits(root)
    clips: list[Clip] = []
    for dirpath, _dirs, files in sorted(os.walk(root)):
        for name in sorted(files):
            if not name.lower().endswith(".wav"):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            theme = rel.split("/")[0] if "/" in rel else "default"
            audio = read_wav(full)
            if len(audio) < min_samples:
                continue
            clips.append(Clip(id=rel, theme=theme, audio=audio, credit=credits.get(rel, {"wav": rel})))
    if not clips:
        raise DataError(f"{root}: no 16 kHz WAV files found")
    return clips


def split_by_file(clips: list[Clip], val_fraction: float = 0.12, seed: int = 0) -> tuple[list[Clip], list[Clip]]:
    """Hold out whole files, stratified by theme: in each theme the files are ordered by a hash of
    (seed, id) and the first round(fraction * n) (at least 1 when the theme has 3+ files) are held out.
    A hash, not a RNG stream, so that adding a file does not reshuffle the others."""
    by_theme: dict[str, list[Clip]] = {}
    for c in clips:
        by_theme.setdefault(c.theme, []).append(c)
    train, val = [], []
    for theme in sorted(by_theme):
        group = sorted(by_theme[theme], key=lambda c: hashlib.sha1(f"{seed}:{c.id}".encode()).hexdigest())
        n_val = int(round(val_fraction * len(group)))
        if len(group) >= 3:
            n_val = max(1, n_val)
        val.extend(group[:n_val])
        train.extend(group[n_val:])
    return train, val


# ---- mu-law pack: 8 bits a sample so that the training audio fits the GPU machine's transfer limit ----

def mu_law_encode_u8(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, -1.0, 1.0)
    y = np.sign(x) * np.log1p(255.0 * np.abs(x)) / np.log(256.0)
    return np.clip(np.round((y + 1.0) * 127.5), 0, 255).astype(np.uint8)


def mu_law_decode_u8(q: np.ndarray) -> np.ndarray:
    y = q.astype(np.float32) / 127.5 - 1.0
    return (np.sign(y) * (np.power(256.0, np.abs(y)) - 1.0) / 255.0).astype(np.float32)


def write_pack(path: str, train: list[Clip], val: list[Clip]) -> None:
    """Training clips as 8-bit mu-law (SNR ~38 dB), validation clips as exact int16, one .npz."""
    meta = {
        "train": [{"id": c.id, "theme": c.theme, "n": len(c.audio), "credit": c.credit} for c in train],
        "val": [{"id": c.id, "theme": c.theme, "n": len(c.audio), "credit": c.credit} for c in val],
    }
    tr = np.concatenate([mu_law_encode_u8(c.audio) for c in train])
    va = np.concatenate([np.clip(np.round(c.audio * 32768.0), -32768, 32767).astype(np.int16) for c in val])
    tmp = path + ".tmp.npz"
    np.savez(tmp, train_mulaw=tr, val_int16=va, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    os.replace(tmp, path)


def read_pack(path: str) -> tuple[list[Clip], list[Clip]]:
    z = np.load(path)
    meta = json.loads(bytes(z["meta"]).decode())
    train, val = [], []
    off = 0
    tr = z["train_mulaw"]
    for m in meta["train"]:
        train.append(Clip(m["id"], m["theme"], mu_law_decode_u8(tr[off : off + m["n"]]), m["credit"]))
        off += m["n"]
    off = 0
    va = z["val_int16"]
    for m in meta["val"]:
        val.append(Clip(m["id"], m["theme"], va[off : off + m["n"]].astype(np.float32) / 32768.0, m["credit"]))
        off += m["n"]
    return train, val


class CropSampler:
    """Random crops of `length` samples, files drawn in proportion to their length (every second of
    audio equally likely, times an optional weight per theme); short files are zero-padded. Near-silent
    crops are redrawn a few times."""

    def __init__(self, clips: list[Clip], length: int, seed: int, theme_weights: dict[str, float] | None = None):
        self.clips = clips
        self.length = length
        self.rng = np.random.default_rng(seed)
        weights = theme_weights or {}
        unknown = sorted(set(weights) - {c.theme for c in clips})
        if unknown:
            raise DataError(f"theme weight for {', '.join(unknown)}: no training file has that theme")
        lens = np.array([max(len(c.audio), length) * weights.get(c.theme, 1.0) for c in clips], dtype=np.float64)
        if not np.all(lens >= 0) or lens.sum() <= 0:
            raise DataError("theme weights must be >= 0 and leave some training audio")
        self.p = lens / lens.sum()

    def state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, s: dict) -> None:
        self.rng.bit_generator.state = s

    def crop(self) -> np.ndarray:
        for _ in range(4):
            c = self.clips[self.rng.choice(len(self.clips), p=self.p)]
            a = c.audio
            if len(a) <= self.length:
                out = np.zeros(self.length, dtype=np.float32)
                out[: len(a)] = a
            else:
                s = int(self.rng.integers(0, len(a) - self.length + 1))
                out = a[s : s + self.length].copy()
            if np.sqrt(np.mean(out**2)) > 1e-4:
                break
        return out

    def batch(self, n: int) -> np.ndarray:
        return np.stack([self.crop() for _ in range(n)])
