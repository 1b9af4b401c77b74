"""The ``openai_compat`` teacher: any OpenAI-compatible server (OpenAI, vLLM, SGLang, llama.cpp, Ollama)."""

from __future__ import annotations

import asyncio
import os
import re
from typing import Any, Literal

from pydantic import Field, field_validator

from distillkit.components import ComponentOptions, CrossCheck, Teacher, TeacherOptions
from distillkit.components.teacher import GENERATE, SCORE, STRUCTURED, StopStrings
from distillkit.errors import TeacherError, TransientTeacherError
from distillkit.secrets import looks_like_secret, register_env_name
from distillkit.types import Generation, TeacherRequest, TokenLogprobs
from distillkit_plugins.openai_compat.replicas import ReplicaPool
from distillkit_plugins.openai_compat.responses import raise_for_status, read_generations
from distillkit_plugins.openai_compat.structured import StructuredMode, schema_fields
from distillkit_plugins.openai_compat.urls import check_base_url

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# options that never change an answer: kept out of the cache key so moving servers keeps the cache
_NOT_IDENTITY = {"base_url", "timeout_s", "prices", "replica_cooldown_s", "tokenizer"}


class Prices(ComponentOptions):
    input_per_1m: float = Field(0.0, ge=0, description="Price of 1M prompt tokens (any currency).")
    output_per_1m: float = Field(0.0, ge=0, description="Price of 1M completion tokens (same currency).")


class OpenAICompatOptions(TeacherOptions):
    max_concurrency: int = Field(8, ge=1, description="Requests (batches) in flight at once.")
    base_url: str | list[str] = Field(
        "http://127.0.0.1:8000/v1",
        description="Server URL ending in /v1, or a list of replicas: requests are spread over them and a "
                    "failing one is routed around.")
    model: str = Field(min_length=1, description="Model name as the server knows it (vLLM: --served-model-name).")
    revision: str | None = Field(
        None, description="Model version label for the cache key; change it when the weights behind `model` change.")
    tokenizer: str | None = Field(
        None, description="Where the served model's tokenizer loads from (hub id, folder, builtin:...), never sent: "
                          "lets validation check it against an on_policy student's tokenizer.")
    api: Literal["chat", "completions"] = Field(
        "chat", description="chat: /chat/completions with the prompt as the user message; completions: raw prompt.")
    system_prompt: str | None = Field(None, description="System message for the chat API (part of the cache key).")
    api_key_env: str | None = Field(
        None, description="NAME of the environment variable holding the API key (never the key itself). "
                          "Leave unset for local servers.")
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature (0: greedy).")
    top_p: float = Field(1.0, gt=0, le=1, description="Nucleus sampling mass.")
    max_tokens: int = Field(256, ge=1, description="Most tokens generated per answer.")
    stop: StopStrings = Field(default_factory=list, description="Stop sequences.")
    seed: int | None = Field(None, description="Sampling seed, for servers that honour it (vLLM, llama.cpp, OpenAI).")
    n: int = Field(1, ge=1, le=16, description="Choices per request; the first is used, usage counts all of them.")
    timeout_s: float = Field(60.0, gt=0, description="Deadline of one request, body included, in seconds.")
    extra_body: dict[str, Any] = Field(
        default_factory=dict, description="Extra JSON fields sent with every request (e.g. top_k, repetition_penalty).")
    prices: Prices | None = Field(None, description="Token prices; when set, every call's cost is recorded.")
    replica_cooldown_s: float = Field(5.0, ge=0, description="How long a failing replica is benched (doubles per failure).")
    structured_output: StructuredMode = Field(
        "auto", description="How a strategy's JSON schema is sent: response_format (OpenAI, vLLM; llama-server on "
                            "chat), json_schema (llama-server), structured_outputs (vLLM >= 0.12), guided_json "
                            "(vLLM < 0.12), auto (response_format on chat; response_format + json_schema on "
                            "completions), off (free text, the strategy parses it).")

    @field_validator("base_url")
    @classmethod
    def _urls(cls, value: str | list[str]) -> str | list[str]:
        urls = [value] if isinstance(value, str) else value
        if not urls:
            raise ValueError("give at least one URL")
        for url in urls:
            check_base_url(url)
        return value

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and (looks_like_secret(value) or not _ENV_NAME.match(value)):
            # never repeat the value: it may be a pasted key
            raise ValueError("must be the NAME of an environment variable holding the key, not the key itself; "
                             "e.g. api_key_env: OPENAI_API_KEY, then export OPENAI_API_KEY=...")
        if value is not None:
            register_env_name(value)  # its value is masked in everything the run writes
        return value


class OpenAICompatTeacher(Teacher):
    """Any OpenAI-compatible server (chat or completions), async, with replicas and cost accounting."""

    name = "openai_compat"
    Options = OpenAICompatOptions
    capabilities = frozenset({GENERATE, SCORE, STRUCTURED})  # score: servers with prompt_logprobs (vLLM)

    def __init__(self, options: OpenAICompatOptions | None = None, **kwargs: Any):
        super().__init__(options, **kwargs)
        self._headers: dict[str, str] = {}
        self._pool: ReplicaPool | None = None
        self._client = None

    @classmethod
    def cross_check(cls, options: OpenAICompatOptions, pipeline) -> list[CrossCheck]:
        name = options.api_key_env
        if name is not None and not _ENV_NAME.match(name):  # never echo the value: it may be a pasted key
            return [CrossCheck(location="api_key_env", message="must be the NAME of an environment variable, "
                               "not a key", hint="e.g. api_key_env: OPENAI_API_KEY, then export OPENAI_API_KEY=...")]
        return []

    def secret_fields(self) -> set[str]:
        return {"api_key_env"}

    def identity(self) -> dict[str, Any]:
        ident = super().identity()
        for name in _NOT_IDENTITY:
            ident.pop(name, None)
        return ident

    # -- life cycle -----------------------------------------------------------------------------
    def setup(self) -> None:
        opts = self.options
        self._headers = {}
        if opts.api_key_env:
            key = os.environ.get(opts.api_key_env)
            if not key:
                raise TeacherError(f"api key: environment variable {opts.api_key_env} is not set "
                                   f"(api_key_env of teacher {self.name!r}); export it before running")
            self._headers["Authorization"] = f"Bearer {key}"
        urls = [opts.base_url] if isinstance(opts.base_url, str) else list(opts.base_url)
        self._pool = ReplicaPool(urls, opts.replica_cooldown_s)

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def close(self) -> None:
        self._client = None  # the engine already awaited aclose(); drop anything left
        self._headers = {}

    # -- generation -----------------------------------------------------------------------------
    async def agenerate_batch(self, requests: list[TeacherRequest]) -> list[Generation | TeacherError]:
        """One result per request: a Generation, or the TeacherError of that request alone."""
        if self._pool is None:
            self.setup()
        schema = requests[0].response_schema
        # a completions batch is one request body, hence one schema: mixed schemas go one by one
        if len(requests) == 1 or (self.options.api == "completions"
                                  and all(r.response_schema == schema for r in requests)):
            return await self._post([r.prompt for r in requests], schema)
        results = await asyncio.gather(*(self._post([r.prompt], r.response_schema) for r in requests),
                                       return_exceptions=True)
        out: list[Generation | TeacherError] = []
        for res in results:
            if isinstance(res, BaseException) and not isinstance(res, TeacherError):
                raise res
            out.append(res[0] if isinstance(res, list) else res)
        return out

    def generate_batch(self, requests: list[TeacherRequest]) -> list[Generation | TeacherError]:
        """Sync use outside the engine (one short-lived event loop per call)."""

        async def once():
            try:
                return await self.agenerate_batch(requests)
            finally:
                await self.aclose()

        return asyncio.run(once())

    def score(self, prompts: list[str], completions: list[str], *, top_k: int = 0) -> list[TokenLogprobs]:
        """Scores through vLLM's ``prompt_logprobs`` (see ``openai_compat/scoring.py``); servers without it
        (llama-server, OpenAI) fail with a ``TeacherError`` saying so."""
        from distillkit_plugins.openai_compat.scoring import score_all

        async def once():
            if self._pool is None:
                self.setup()
            url = self._pool.pick()
            try:
                return await score_all(self, self._http_client(), url, prompts, completions, top_k)
            finally:
                await self.aclose()

        return asyncio.run(once())

    def payload(self, prompts: list[str], schema: dict[str, Any] | None = None) -> dict[str, Any]:
        opts = self.options
        body: dict[str, Any] = {"model": opts.model, "temperature": opts.temperature, "top_p": opts.top_p,
                                "max_tokens": opts.max_tokens, "n": opts.n}
        if opts.stop:
            body["stop"] = list(opts.stop)
        if opts.seed is not None:
            body["seed"] = opts.seed
        if opts.api == "chat":
            system = [{"role": "system", "content": opts.system_prompt}] if opts.system_prompt else []
            body["messages"] = system + [{"role": "user", "content": prompts[0]}]
        else:
            body["prompt"] = prompts[0] if len(prompts) == 1 else prompts
        body.update(schema_fields(opts.structured_output, opts.api, schema))
        return {**body, **opts.extra_body}

    async def _post(self, prompts: list[str], schema: dict[str, Any] | None = None) -> list[Generation]:
        import httpx

        opts = self.options
        client = self._http_client()
        url = self._pool.pick()
        path = "/chat/completions" if opts.api == "chat" else "/completions"
        where = f"POST {url}{path}"
        try:
            resp = await asyncio.wait_for(client.post(url + path, json=self.payload(prompts, schema)), opts.timeout_s)
        except (asyncio.TimeoutError, httpx.TimeoutException):
            self._pool.failed(url)
            raise TransientTeacherError(f"timeout: no complete answer within {opts.timeout_s}s ({where})") from None
        except httpx.DecodingError as exc:  # a body that does not decode (e.g. broken gzip)
            raise TransientTeacherError(f"malformed response: {exc} ({where})") from None
        except httpx.RequestError as exc:  # refused, dropped, reset, protocol errors
            self._pool.failed(url)
            raise TransientTeacherError(f"connection: {type(exc).__name__}: {exc} ({where})") from None
        if resp.status_code >= 500:
            self._pool.failed(url)
        raise_for_status(resp.status_code, resp.content, resp.headers.get("retry-after"), where)
        self._pool.succeeded(url)
        return read_generations(resp.content, chat=opts.api == "chat", prompts=len(prompts), n=opts.n,
                                prices=opts.prices, where=where, model=opts.model)

    def _http_client(self):
        import httpx

        if self._client is None:  # created inside the running loop, which it then belongs to
            width = self.options.max_concurrency * self.options.batch_size
            limits = httpx.Limits(max_connections=width, max_keepalive_connections=width)
            self._client = httpx.AsyncClient(headers=self._headers, limits=limits,
                                             timeout=httpx.Timeout(self.options.timeout_s))
        return self._client
