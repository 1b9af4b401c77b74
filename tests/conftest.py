import os

# Never reach for a model/dataset hub in tests: fail fast instead of retrying for ~46 s.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402

from distillkit.testing import builtin_registry  # noqa: E402


@pytest.fixture
def registry():
    """A fresh registry of the built-in plugins only (no installed third-party plugins)."""
    return builtin_registry()
