"""A fake OpenAI-compatible server with fault injection, for tests and benchmarks (stdlib only).

Serves ``/v1/chat/completions``, ``/v1/completions`` (a string or a list of prompts),
``/v1/models`` and ``/stats`` on 127.0.0.1 only. Answers come from a ``responder(prompt)``
(default: the toy parity oracle) after ``latency_s``. A ``FaultPlan`` turns a fraction of
requests into faults, decided per (prompt, attempt number) so runs are reproducible whatever
the request order: ``timeout`` (stall, then close), ``429`` (with Retry-After), ``500``,
``malformed`` (200 with broken JSON), ``drop`` (close without answering), ``slow`` (a valid body
trickled out slowly). Counters (``/stats``) tell how often each prompt was answered
successfully, which is what "never pay twice" is measured by.

Run standalone: ``python -m distillkit.testing.server --port 0 --latency 0.2`` prints
``READY http://127.0.0.1:PORT/v1`` and serves until killed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from typing_extensions import Self

from distillkit.testing.toy_task import oracle_answer

FAULT_KINDS = ("timeout", "429", "500", "malformed", "drop", "slow")


@dataclass
class FaultPlan:
    rate: float = 0.0  # fraction of requests answered with a fault
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 0
    retry_after_s: float = 0.05
    hang_s: float = 1.0  # a "timeout" stalls this long (set it above the client's timeout)
    slow_s: float = 0.3  # a "slow" body takes this long to arrive
    fail_first: int = 0  # the first attempts at every prompt always fault (tests of one fault kind)

    def pick(self, prompt_hash: str, attempt: int) -> str | None:
        rng = random.Random(f"{self.seed}:{prompt_hash}:{attempt}")
        if not self.kinds or (attempt >= self.fail_first and rng.random() >= self.rate):
            return None
        return rng.choice(self.kinds)


@dataclass
class ServerStats:
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    faults: Counter = field(default_factory=Counter)
    answered: Counter = field(default_factory=Counter)  # prompt hash -> successful answers
    attempts: Counter = field(default_factory=Counter)  # prompt hash -> requests seen
    auth_headers: set = field(default_factory=set)

    def to_dict(self) -> dict:
        twice = sum(1 for v in self.answered.values() if v > 1)
        return {"requests": self.requests, "max_in_flight": self.max_in_flight, "faults": dict(self.faults),
                "successes": sum(self.answered.values()), "distinct_answered": len(self.answered),
                "answered_more_than_once": twice}


def prompt_hash(prompt: str) -> str:
    return hashlib.sha1(prompt.encode("utf-8")).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like real servers
    server: FakeOpenAIServer._HTTP

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes: without this, Nagle + delayed ACK add ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args) -> None:
        pass

    def do_GET(self) -> None:
        fake = self.server.fake
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": fake.model, "object": "model"}]})
        elif self.path.rstrip("/").endswith("/stats"):
            with fake.lock:
                self._json(200, fake.stats.to_dict())
        else:
            self._json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        fake = self.server.fake
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with fake.lock:
            fake.stats.requests += 1
        if fake.api_key is not None and self.headers.get("Authorization") != f"Bearer {fake.api_key}":
            self._json(401, {"error": {"message": "invalid api key"}})
            return
        try:
            payload = json.loads(body)
            chat = self.path.rstrip("/").endswith("/chat/completions")
            prompts = _prompts(payload, chat)
        except (ValueError, KeyError, TypeError) as exc:
            self._json(400, {"error": {"message": f"bad request: {exc}"}})
            return
        if payload.get("model") != fake.model:
            self._json(404, {"error": {"message": f"model {payload.get('model')!r} does not exist"}})
            return
        if self.path.rstrip("/").endswith("/tokenize"):
            if fake.tokenize is None:
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            ids = fake.tokenize(prompts[0], bool(payload.get("add_special_tokens", True)))
            self._json(200, {"tokens": ids, "count": len(ids)})
            return
        fake.serve(self, payload, prompts, chat)

    def _json(self, status: int, obj: dict, headers: dict | None = None) -> None:
        self.send_bytes(status, json.dumps(obj).encode(), headers)

    def send_bytes(self, status: int, data: bytes, headers: dict | None = None) -> None:
        """Send a whole response; raises OSError if the client is gone (``serve`` counts on it)."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except OSError:  # a killed client mid-request: nothing to answer, nothing to report
            self.close_connection = True


def _prompts(payload: dict, chat: bool) -> list[str]:
    if chat or "messages" in payload:
        return ["\n".join(m["content"] for m in payload["messages"] if m.get("role") == "user")]
    prompt = payload["prompt"]
    if isinstance(prompt, list) and prompt and all(isinstance(p, int) for p in prompt):
        return [json.dumps(prompt)]  # one prompt given as token ids
    return [prompt] if isinstance(prompt, str) else [str(p) for p in prompt]


class FakeOpenAIServer:
    """The server; use as a context manager, or ``start()`` / ``stop()``. ``url`` ends in ``/v1``."""

    class _HTTP(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128
        fake: FakeOpenAIServer

    def __init__(self, *, latency_s: float = 0.0, faults: FaultPlan | None = None, model: str = "fake-model",
                 responder: Callable[[str], str] = oracle_answer, api_key: str | None = None, port: int = 0,
                 tokenize: Callable[[str, bool], list[int]] | None = None,
                 prompt_logprobs: Callable[[list[int], int], list[dict[int, dict] | None]] | None = None):
        self.latency_s = latency_s
        self.faults = faults or FaultPlan()
        self.model = model
        self.responder = responder
        # vLLM-style scoring, both optional: POST /tokenize (text, add_special_tokens) -> ids, and
        # prompt_logprobs on a token-id prompt (ids, k) -> per position {id: {logprob, rank, decoded_token}}
        self.tokenize, self.prompt_logprobs = tokenize, prompt_logprobs
        self.api_key = api_key
        self.port = port
        self.lock = threading.Lock()
        self.stats = ServerStats()
        self.payloads: list[dict] = []  # every request body, in arrival order
        self._http: FakeOpenAIServer._HTTP | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._http is not None, "server not started"
        return f"http://127.0.0.1:{self._http.server_address[1]}/v1"

    def start(self) -> FakeOpenAIServer:
        self._http = self._HTTP(("127.0.0.1", self.port), _Handler)
        self._http.fake = self
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- one request ----------------------------------------------------------------------------
    def serve(self, handler: _Handler, payload: dict, prompts: list[str], chat: bool) -> None:
        key = prompt_hash("\x00".join(prompts))
        with self.lock:
            self.stats.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
            attempt = self.stats.attempts[key]
            self.stats.attempts[key] += 1
            self.payloads.append(payload)
            if handler.headers.get("Authorization"):
                self.stats.auth_headers.add(handler.headers["Authorization"])
        fault = self.faults.pick(key, attempt)
        try:
            if fault is not None and fault != "slow":
                self._count_fault(fault)
                self._fault(handler, fault)
                return
            if self.latency_s:
                time.sleep(self.latency_s)
            body = json.dumps(self._completion(payload, prompts, chat)).encode()
            # counted before sending: once the body is out the client may move on (and a test read
            # the counters) before this thread runs again
            with self.lock:
                self.stats.answered[key] += 1
            try:
                if fault == "slow":
                    self._count_fault(fault)
                    self._trickle(handler, body)
                else:
                    handler.send_bytes(200, body)
            except OSError:  # the client went away (e.g. it timed out a slow body): not an answer
                with self.lock:
                    self.stats.answered[key] -= 1
                    if not self.stats.answered[key]:
                        del self.stats.answered[key]
                raise
        except OSError:
            handler.close_connection = True
        finally:
            with self.lock:
                self.stats.in_flight -= 1

    def _count_fault(self, fault: str) -> None:
        with self.lock:
            self.stats.faults[fault] += 1

    def _fault(self, handler: _Handler, fault: str) -> None:
        if fault == "timeout":
            time.sleep(self.faults.hang_s)
            handler.close_connection = True
        elif fault == "drop":
            handler.close_connection = True
        elif fault == "429":
            handler._json(429, {"error": {"message": "rate limited"}}, {"Retry-After": str(self.faults.retry_after_s)})
        elif fault == "500":
            handler._json(500, {"error": {"message": "internal error"}})
        elif fault == "malformed":
            handler.send_bytes(200, b'{"choices": [{"message": {"content": "trunc')

    def _trickle(self, handler: _Handler, body: bytes) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        pieces = 6
        step = max(1, len(body) // pieces)
        for i in range(0, len(body), step):
            handler.wfile.write(body[i:i + step])
            handler.wfile.flush()
            time.sleep(self.faults.slow_s / pieces)

    def _completion(self, payload: dict, prompts: list[str], chat: bool) -> dict:
        max_tokens = payload.get("max_tokens")
        n = int(payload.get("n") or 1)
        choices, prompt_tokens, completion_tokens = [], 0, 0
        for i, prompt in enumerate(prompts):
            words = self.responder(prompt).split(" ")
            finish = "stop"
            if max_tokens is not None and len(words) > max_tokens:
                words, finish = words[:max_tokens], "length"
            text = " ".join(words)
            prompt_tokens += len(prompt.split())
            completion_tokens += len(words) * n
            for j in range(n):
                content = {"message": {"role": "assistant", "content": text}} if chat else {"text": text}
                choices.append({"index": i * n + j, **content, "finish_reason": finish})
                if self.prompt_logprobs is not None and payload.get("prompt_logprobs") is not None:
                    rows = self.prompt_logprobs(json.loads(prompt), int(payload["prompt_logprobs"]))
                    choices[-1]["prompt_logprobs"] = [None if r is None else {str(k): v for k, v in r.items()}
                                                      for r in rows]
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                 "total_tokens": prompt_tokens + completion_tokens}
        kind = "chat.completion" if chat else "text_completion"
        return {"id": "fake-1", "object": kind, "created": int(time.time()), "model": self.model,
                "choices": choices, "usage": usage}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--faults", default=",".join(FAULT_KINDS), help="comma-separated fault kinds")
    parser.add_argument("--hang", type=float, default=1.0, help="seconds a 'timeout' fault stalls")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="fake-model")
    args = parser.parse_args(argv)
    plan = FaultPlan(rate=args.fault_rate, kinds=tuple(k for k in args.faults.split(",") if k),
                     seed=args.seed, hang_s=args.hang)
    server = FakeOpenAIServer(latency_s=args.latency, faults=plan, model=args.model, port=args.port).start()
    print(f"READY {server.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
