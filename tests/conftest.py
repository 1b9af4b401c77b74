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


@pytest.fixture(scope="session")
def llama_server(request):
    """A real llama-server serving SmolLM2-135M-Instruct on 127.0.0.1 for the whole session.

    Missing binary or model: skipped on a developer machine (with the command that builds it),
    but a failure under CI=true, where the real-server tests must run.
    """
    from tests.support.llama_server import LlamaServer, LlamaServerUnavailable

    try:
        server = LlamaServer().start()
    except LlamaServerUnavailable as exc:
        missing = str(exc)
    else:
        missing = None
    if missing is not None:  # outside the except: no chained traceback in the report
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and the real-server tests cannot run: {missing}", pytrace=False)
        pytest.skip(missing)
    yield server
    failed = request.session.testsfailed > 0
    if failed:
        print(f"\nllama-server log kept at {server.log_path}")
    server.stop(keep_log=failed)
