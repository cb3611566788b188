"""The `forensics` command line: thin wrappers over the Python API (fits 100 columns)."""

from . import _analyze, _score, _validate  # noqa: F401 - register analyze, rank, score and validate
from ._app import app, main

__all__ = ["app", "main"]
