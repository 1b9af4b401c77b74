"""The ``hf`` teacher: a local Hugging Face model generating rationales in true batches."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from distillkit.components import Teacher, TeacherOptions
from distillkit.components.teacher import GENERATE, SCORE, STRUCTURED, StopStrings
from distillkit.types import Generation, TeacherRequest, TokenLogprobs
from distillkit_plugins.hf.options import ModelSourceOptions


class HFTeacher(Teacher):
    """Local Hugging Face causal/seq2seq LM teacher (hub id, folder, GGUF); batched, can score tokens.

    ``setup()`` loads the model (bf16 on a GPU, fp32 on CPU unless ``dtype`` says otherwise);
    ``close()`` frees it so a student can train in the same process. Prompts are wrapped in the
    model's chat template when it has one (``chat_template: auto``). ``score`` returns token
    log-probabilities of given continuations for logit distillation.

    Requests with a ``response_schema`` get a JSON reply (``structured_output``; see
    ``hf/structured.py``): ``constrained`` decoding with lm-format-enforcer
    (``pip install 'distillkit[structured]'``), ``checked`` (generate, validate, ask once more
    with the error), ``auto`` (constrained when lm-format-enforcer is installed, else checked)
    or ``off`` (the schema is ignored: free text).
    """

    name = "hf"
    capabilities: ClassVar[frozenset[str]] = frozenset({GENERATE, SCORE, STRUCTURED})

    class Options(TeacherOptions, ModelSourceOptions):
        model: str = Field(..., description="Hub id, local folder, or builtin:smollm2-135m-instruct.")
        batch_size: int = Field(16, ge=1, description="Prompts generated together in one batch.")
        device: str = Field("auto", description="auto (cuda if available, else cpu), cpu, cuda, cuda:1, ...")
        chat_template: Literal["auto", "on", "off"] = Field(
            "auto", description="Wrap prompts in the chat template: auto = when the tokenizer has one.",
        )
        max_new_tokens: int = Field(256, ge=1, description="Most tokens generated per prompt.")
        stop: StopStrings = Field(
            default_factory=list,
            description="Stop strings, as OpenAI's `stop`: a reply ends before the first one (not returned), and "
                        "a batch ends once every reply has, e.g. [\"\\n\\nQuestion:\"] after few-shot prompts.")
        temperature: float = Field(0.0, ge=0, description="Sampling temperature; 0 = greedy.")
        top_p: float = Field(1.0, gt=0, le=1, description="Nucleus sampling mass (when sampling).")
        do_sample: bool | None = Field(None, description="Sample instead of greedy; default: temperature > 0.")
        seed: int = Field(0, description="Seed of sampling (fixed per batch, so reruns give the same text).")
        cpu_weights: Literal["float32", "float16"] = Field(
            "float32", description="On CPU: float16 keeps every Linear weight in half precision and multiplies in "
            "fp32 (PyTorch's fbgemm, x86), so decoding reads half the weight bytes: 1.16-1.38x the tokens/s "
            "of float32 for SmolLM2-135M at 2 threads, logits within ~2e-4 of their scale "
            "(bench/RESULTS-generation.md). CPU only: rejected with a cuda device, not applied when device: auto "
            "finds a GPU.")
        structured_output: Literal["auto", "constrained", "checked", "off"] = Field(
            "auto", description="Requests with a JSON schema: constrained (lm-format-enforcer masks tokens off "
            "the schema), checked (validate, retry once with the error), auto (constrained when "
            "lm-format-enforcer is installed, else checked), off (ignore the schema).")

        @model_validator(mode="after")
        def _sampling(self):
            if self.do_sample and self.temperature == 0:
                raise ValueError("do_sample: true needs temperature > 0")
            return self

        @model_validator(mode="after")
        def _cpu_weights(self):
            if self.cpu_weights == "float16":
                from distillkit_plugins.hf.cpu_decoding import fp16_weights_supported

                if self.dtype not in ("auto", "float32"):
                    raise ValueError(f"cpu_weights: float16 converts float32 weights; it cannot combine with "
                                     f"dtype: {self.dtype} (use dtype: auto or float32)")
                if self.device.startswith("cuda"):
                    raise ValueError(f"cpu_weights: float16 is for CPU decoding; device is {self.device!r}")
                reason = fp16_weights_supported()
                if reason:
                    raise ValueError(f"cpu_weights: float16 is not available: {reason} (use cpu_weights: float32)")
            return self

    model: Any = None
    tokenizer: Any = None
    _enforcers: Any = None

    def structured_mode(self) -> str:
        """The structured path actually used (``auto`` resolved), also what the cache key records."""
        from distillkit_plugins.hf.structured import enforcer_installed

        mode = self.options.structured_output
        if mode == "constrained" and not enforcer_installed():
            from distillkit.errors import TeacherError

            raise TeacherError("hf teacher: structured_output: constrained needs lm-format-enforcer; "
                               "pip install 'distillkit[structured]' (or use structured_output: checked)")
        if mode == "auto":
            return "constrained" if enforcer_installed() else "checked"
        return mode

    def identity(self) -> dict[str, Any]:
        # a constrained and a checked reply to the same schema differ: key on the resolved path
        ident = {**super().identity(), "structured_output": self.structured_mode()}
        if ident["cpu_weights"] == "float32":  # the numerics every earlier cache was written with: same keys
            del ident["cpu_weights"]
        return ident

    def setup(self) -> None:
        from distillkit_plugins.hf.loading import load_pretrained, pick_device

        if self.model is None:
            device = pick_device(self.options.device)
            self.model, self.tokenizer = load_pretrained(self.options, device=device)
            if self.options.cpu_weights == "float16" and device.type == "cpu":
                from distillkit_plugins.hf.cpu_decoding import fp16_weights

                fp16_weights(self.model)

    def close(self) -> None:
        from distillkit_plugins.hf.loading import release

        release(self.model)
        self.model = self.tokenizer = self._enforcers = None

    def _use_chat(self) -> bool:
        mode = self.options.chat_template
        has = bool(getattr(self.tokenizer, "chat_template", None))
        if mode == "on" and not has:
            from distillkit.errors import TeacherError

            raise TeacherError(f"hf teacher {self.options.model!r}: chat_template: on, but the tokenizer has none")
        return has if mode == "auto" else mode == "on"

    def _prompts(self, prompts: list[str]) -> list[str]:
        from distillkit_plugins.hf.generation import chat_prompt

        return [chat_prompt(self.tokenizer, p) for p in prompts] if self._use_chat() else list(prompts)

    def generate_batch(self, requests: list[TeacherRequest]) -> list[Generation]:
        self.setup()
        mode = self.structured_mode()
        schemas = [r.response_schema if mode != "off" else None for r in requests]
        out = self._generate([r.prompt for r in requests], schemas if mode == "constrained" else None)
        if mode == "checked":
            out = self._check_and_retry(requests, out)
        return out

    def _generate(self, prompts: list[str], schemas: list[dict | None] | None) -> list[Generation]:
        from distillkit_plugins.hf.generation import generate

        opts = self.options
        sample = opts.do_sample if opts.do_sample is not None else opts.temperature > 0
        processor_for = None
        if schemas is not None and any(s is not None for s in schemas):
            processor_for = self._processor_for(schemas)
        out = generate(self.model, self.tokenizer, self._prompts(prompts),
                       max_new_tokens=opts.max_new_tokens, temperature=opts.temperature if sample else 0.0,
                       top_p=opts.top_p, seed=opts.seed, batch_size=opts.batch_size,
                       add_special_tokens=not self._use_chat(), stop=tuple(opts.stop),
                       processor_for=processor_for)
        return [Generation(text=c.text, prompt_tokens=c.prompt_tokens, completion_tokens=c.completion_tokens,
                           finish_reason=c.finish_reason) for (c,) in out]

    def _processor_for(self, schemas: list[dict | None]) -> Any:
        from distillkit_plugins.hf.generation import _eos_ids, _generation_config
        from distillkit_plugins.hf.structured import Enforcers

        if self._enforcers is None:
            config = _generation_config(self.model, self.tokenizer, max_new_tokens=1, num_samples=1,
                                        temperature=0.0, top_p=1.0)
            self._enforcers = Enforcers(self.tokenizer, _eos_ids(config))
        return lambda idx: self._enforcers.for_schemas([schemas[i] for i in idx])

    def _check_and_retry(self, requests: list[TeacherRequest], out: list[Generation]) -> list[Generation]:
        """Ask once more, with the validation error, for each reply that does not fit its schema."""
        from distillkit_plugins.hf.structured import check_reply, retry_prompt

        again = {}
        for i, (r, g) in enumerate(zip(requests, out)):
            error = check_reply(g.text, r.response_schema) if r.response_schema is not None else None
            if error is not None:
                again[i] = retry_prompt(r.prompt, r.response_schema, error)
        if not again:
            return out
        retried = self._generate(list(again.values()), None)
        out = list(out)
        for i, g in zip(again, retried):  # tokens of both attempts are paid for
            first = out[i]
            out[i] = Generation(text=g.text, prompt_tokens=(first.prompt_tokens or 0) + (g.prompt_tokens or 0),
                                completion_tokens=(first.completion_tokens or 0) + (g.completion_tokens or 0),
                                finish_reason=g.finish_reason)
        return out

    def score(self, prompts: list[str], completions: list[str], *, top_k: int = 0) -> list[TokenLogprobs]:
        """``TokenLogprobs`` of each completion after its prompt (the prompt chat-wrapped like generation).

        One forward pass per ``batch_size`` pairs; see ``Teacher.score`` for the contract.
        """
        from distillkit_plugins.hf.scoring import score

        self.setup()
        chat = self._use_chat()
        prompt_ids = self.tokenizer(self._prompts(prompts), add_special_tokens=not chat)["input_ids"]
        target_ids = self.tokenizer(list(completions), add_special_tokens=False)["input_ids"]
        return score(self.model, self.tokenizer, prompt_ids, target_ids, top_k=top_k,
                     batch_size=self.options.batch_size)
