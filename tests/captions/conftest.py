"""Fixtures for captioning: tiny random Hugging Face captioners, saved once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{"vit-gpt2": folder, "blip": folder}``: save_pretrained folders of tiny models."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tiny_models import save_tiny_blip, save_tiny_vit_gpt2

    root = tmp_path_factory.mktemp("tiny-captioners")
    return {
        "vit-gpt2": save_tiny_vit_gpt2(root / "vit-gpt2"),
        "blip": save_tiny_blip(root / "blip"),
    }
