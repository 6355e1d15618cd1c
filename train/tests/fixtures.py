"""Real test data: a few corpus files turned into 16 kHz mono WAV by `commonsynth prep` (the
TypeScript CLI, run from source with tsx), once per test process, in a temporary folder."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def shared_dir() -> str:
    for c in (os.environ.get("COMMONSYNTH_SHARED"), os.path.join(REPO, "..", "shared"), os.path.join(REPO, "shared")):
        if c and os.path.exists(os.path.join(c, "corpus", "manifest.csv")):
            return os.path.abspath(c)
    raise RuntimeError("shared data not found (../shared beside the repository, or COMMONSYNTH_SHARED)")


# Six files in three themes (nature has three, so the split holds one of them out).
CORPUS_FILES = [
    "audio/music/weresax-a2_f_rr1_cnd.wav",
    "audio/music/weresax-a2_p_rr2_dnm.wav",
    "audio/nature/2-104952-A-16.flac",
]

_prepared: str | None = None


def _pick_files() -> list[str]:
    corpus = os.path.join(shared_dir(), "corpus")
    files = [os.path.join(corpus, f) for f in CORPUS_FILES]
    for theme, n in (("nature", 2), ("human", 1)):
        extra = sorted(x for x in os.listdir(os.path.join(corpus, "audio", theme)) if x.endswith((".flac", ".wav")))
        files += [os.path.join(corpus, "audio", theme, x) for x in extra if os.path.join(corpus, "audio", theme, x) not in files][:n]
    return files


def node_available() -> bool:
    return shutil.which("node") is not None and os.path.exists(os.path.join(REPO, "node_modules", ".bin", "tsx"))


def run_tsx(script: str, *args: str, timeout: int = 120) -> str:
    """Runs a TypeScript/ESM snippet (a file path) with the repository's tsx; returns stdout."""
    tsx = os.path.join(REPO, "node_modules", ".bin", "tsx")
    r = subprocess.run([tsx, script, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"tsx {script} failed: {r.stderr[-2000:]}")
    return r.stdout


def prepared_corpus() -> str:
    """Folder of theme subfolders of 16 kHz mono WAV (six corpus files, three themes)."""
    global _prepared
    if _prepared is None:
        out = tempfile.mkdtemp(prefix="cs-train-test-")
        atexit.register(shutil.rmtree, out, True)
        tsx = os.path.join(REPO, "node_modules", ".bin", "tsx")
        r = subprocess.run([tsx, "src/cli/main.ts", "prep", *_pick_files(), "--out", out, "--json"], cwd=REPO,
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError(f"commonsynth prep failed: {r.stderr[-2000:]}")
        summary = json.loads(r.stdout)
        if summary["failed"]:
            raise RuntimeError(f"commonsynth prep failed on some files: {summary}")
        _prepared = out
    return _prepared
