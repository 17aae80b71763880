"""Where dlib's model files are, found without importing face_recognition (150 MB at import)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ENCODER_FILE = "dlib_face_recognition_resnet_model_v1.dat"
SHAPE_FILE = "shape_predictor_5_face_landmarks.dat"


class ModelError(RuntimeError):
    """A model file that cannot be found or loaded."""


def models_dir() -> Path:
    """The folder of the face_recognition_models package's .dat files."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or spec.origin is None:
        raise ModelError("face_recognition_models is not installed")
    return Path(spec.origin).parent / "models"


def model_path(configured: Path | None, default_name: str) -> Path:
    """The configured model file, else the packaged default; ModelError if missing."""
    path = Path(configured) if configured else models_dir() / default_name
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    return path
