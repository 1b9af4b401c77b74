import os

# Never reach for a model/dataset hub in tests: fail fast instead of retrying for ~46 s.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest

from distillkit.testing import builtin_registry


@pytest.fixture
def registry():
    """A fresh registry of the built-in plugins only (no installed third-party plugins)."""
    return builtin_registry()


@pytest.fixture
def one_thread():
    """One torch intra-op thread for the test (use: ``pytestmark = pytest.mark.usefixtures("one_thread")``).

    On a shared 2-core machine two spinning OpenMP threads run torch code several times slower,
    and every process then computes with the same reduction order.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
