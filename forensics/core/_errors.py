"""Errors the user can act on: the CLI prints them in one line and exits with code 2."""

from __future__ import annotations


class ForensicsError(Exception):
    """Base class for every error the tool reports to a user."""

    exit_code = 2


class InputError(ForensicsError):
    """A file, spec or option the user supplied is malformed."""


class RunDirError(ForensicsError):
    """The run directory is missing, locked, or not a run."""


class IntegrityError(ForensicsError):
    """`verify` found that a stored run was changed."""

    exit_code = 3
