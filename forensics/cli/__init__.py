"""The `forensics` command line: thin wrappers over the Python API (fits 100 columns)."""

from . import _validate  # noqa: F401 - registers `forensics validate`
from ._app import app, main

__all__ = ["app", "main"]
