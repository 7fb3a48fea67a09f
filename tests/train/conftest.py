"""Training tests need torch; without it they are skipped, not failed."""

import pytest

pytest.importorskip("torch")
