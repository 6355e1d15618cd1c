"""commonsynth trainer: trains and exports the model families commonsynth runs on ONNX Runtime."""

__version__ = "0.1.0"
