"""The `forensics` command line: thin wrappers over the Python API (fits 100 columns)."""

from . import _score, _validate  # noqa: F401 - register `forensics score` and `forensics validate`
from ._app import app, main

__all__ = ["app", "main"]
