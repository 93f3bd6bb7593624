"""advisor.hub against a local stand-in for the Hugging Face Hub (HF_ENDPOINT on 127.0.0.1).

The stand-in answers the way the Hub does for the requests huggingface_hub makes:
``HEAD``/``GET /{repo}/resolve/{revision}/{file}`` with ``X-Repo-Commit``, ``ETag`` (the git blob id of a
non-LFS file) and ``Content-Length``; errors as a status plus ``X-Error-Code`` (``RepoNotFound``,
``GatedRepo``, ``RevisionNotFound``, ``EntryNotFound``); ``GET /api/models/{repo}/tree/{revision}`` for the
file list. It serves the real config.json files of tests/fixtures/hf_configs (sources in SOURCES.md).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pytest

from advisor import hub
from advisor.models import default_models
from tests.local_http import serve

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hf_configs"
COMMIT = "a" * 40
GOOD_TOKEN = "hf_test_good_token"


def _config(name: str, file: str = "config.json") -> bytes:
    return (FIXTURES / name / file).read_bytes()


def _git_blob_id(body: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(body) + body).hexdigest()  # noqa: S324 - git's object id


@dataclass
class Repo:
    files: dict[str, bytes]
    gated: bool = False
    commit: str = COMMIT
    redirect_get_to: str | None = None  # GET answers 302 there (HEAD answers 200)
    redirect_all_to: str | None = None  # HEAD and GET answer 302 there
    lie_length: bool = False  # HEAD says small, GET streams more with no Content-Length
    no_commit_header: bool = False


@dataclass
class FakeHub:
    repos: dict[str, Repo] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # (method, path, authorization)
    url: str = ""


def _handler(state: FakeHub) -> type[http.server.BaseHTTPRequestHandler]:
    class Hub(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_a):
            pass

        def _error(self, status: int, code: str, message: str, commit: str | None = None, body: bool = True):
            payload = json.dumps({"error": message}).encode()
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            self.send_header("X-Error-Message", message)
            if commit:
                self.send_header("X-Repo-Commit", commit)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if body:
                self.wfile.write(payload)

        def _authorized(self, repo: Repo) -> bool:
            return not repo.gated or self.headers.get("Authorization") == f"Bearer {GOOD_TOKEN}"

        def _answer(self, with_body: bool) -> None:
            auth = self.headers.get("Authorization")
            path = unquote(self.path.split("?", 1)[0])
            state.requests.append((self.command, path, auth))
            parts = path.strip("/").split("/")
            if parts[:2] == ["api", "models"] and "tree" in parts:
                at = parts.index("tree")
                repo = state.repos.get("/".join(parts[2:at]))
                if repo is None:
                    return self._error(404, "RepoNotFound", "Repository not found", body=with_body)
                listing = [
                    {"type": "file", "path": n, "size": len(b), "oid": _git_blob_id(b)} for n, b in repo.files.items()
                ]
                return self._send(200, json.dumps(listing).encode(), {}, with_body)
            if len(parts) < 5 or parts[2] != "resolve":
                return self._error(404, "RepoNotFound", "Repository not found", body=with_body)
            repo_id, revision, filename = "/".join(parts[:2]), parts[3], "/".join(parts[4:])
            repo = state.repos.get(repo_id)
            if repo is None:  # the Hub answers 401 to an anonymous request for a repo it will not show
                status = 404 if auth else 401
                return self._error(status, "RepoNotFound", "Repository not found", body=with_body)
            if not self._authorized(repo):
                status = 403 if auth else 401
                message = f"Access to model {repo_id} is restricted. You must have access to it and be authenticated."
                return self._error(status, "GatedRepo", message, body=with_body)
            if revision not in ("main", repo.commit):
                return self._error(404, "RevisionNotFound", "Invalid rev id", body=with_body)
            target = repo.redirect_all_to or (repo.redirect_get_to if self.command == "GET" else None)
            if target:
                self.send_response(302)
                self.send_header("Location", f"{target}/{filename}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            body = repo.files.get(filename)
            if body is None:
                return self._error(404, "EntryNotFound", "Entry not found", commit=repo.commit, body=with_body)
            headers = {"ETag": f'"{_git_blob_id(body)}"', "Content-Type": "text/plain; charset=utf-8"}
            if not repo.no_commit_header:
                headers["X-Repo-Commit"] = repo.commit
            if repo.lie_length and self.command == "GET":
                return self._stream_without_length(headers, 8 * 1024 * 1024)
            return self._send(200, body, headers, with_body)

        def _send(self, status: int, body: bytes, headers: dict[str, str], with_body: bool) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def _stream_without_length(self, headers: dict[str, str], total: int) -> None:
            self.send_response(200)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b" " * 65536
            try:
                self.wfile.write(b"1\r\n{\r\n")
                for _ in range(total // len(chunk)):
                    self.wfile.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

        def do_HEAD(self):  # noqa: N802 - http.server's name
            self._answer(False)

        def do_GET(self):  # noqa: N802
            self._answer(True)

    return Hub


@pytest.fixture
def fake_hub(monkeypatch, tmp_path) -> Iterator[FakeHub]:
    state = FakeHub()
    state.repos.update(
        {
            "Qwen/Qwen3-8B": Repo({"config.json": _config("qwen3-8b"), "README.md": b"# Qwen3-8B"}),
            "mistralai/Mixtral-8x7B-v0.1": Repo({"config.json": _config("mixtral-8x7b")}),
            "meta-llama/Llama-3.1-8B": Repo({"config.json": _config("llama-3.1-8b")}, gated=True),
            "nvidia/Llama-3.1-70B-Instruct-FP8": Repo(
                {
                    "config.json": _config("nvidia-llama-3.1-70b-fp8"),
                    "hf_quant_config.json": _config("nvidia-llama-3.1-70b-fp8", "hf_quant_config.json"),
                }
            ),
            "bartowski/Some-Model-GGUF": Repo(
                {"README.md": b"gguf", "Some-Model-Q4_K_M.gguf": b"GGUF", "Some-Model-Q8_0.gguf": b"GGUF"}
            ),
            "someone/adapter-only": Repo({"adapter_config.json": b"{}"}),
            "broken/json": Repo({"config.json": b'{"model_type": "llama", "hidden_size": 4096,'}),
            "broken/array": Repo({"config.json": b"[1, 2, 3]"}),
            "broken/deep": Repo({"config.json": b"[" * 100_000 + b"]" * 100_000}),
            "big/declared": Repo({"config.json": b"{" + b" " * (2 * 1024 * 1024) + b"}"}),
            "big/streamed": Repo({"config.json": b"{}"}, lie_length=True),
            "not/hub": Repo({"config.json": _config("qwen3-8b")}, no_commit_header=True),
        }
    )
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    with serve("127.0.0.1", _handler(state)) as url:
        state.url = url
        monkeypatch.setenv("HF_ENDPOINT", url)
        yield state


def _published(model_id: str):
    """The catalog's published totals (advisor/data/models/*.toml, each with its source URL)."""
    return default_models()[model_id]


# --------------------------------------------------------------------------------------------- a fetch


def test_fetch_parses_a_real_config_and_counts_params_near_the_published_total(fake_hub):
    cfg = hub.fetch_config("Qwen/Qwen3-8B")
    assert cfg == json.loads(_config("qwen3-8b"))
    spec, quant = hub.model_from_hub("Qwen/Qwen3-8B")
    published = _published("qwen3-8b")  # 8.2B, https://huggingface.co/Qwen/Qwen3-8B (model card)
    assert spec.params_b == pytest.approx(published.params_b, rel=0.02)
    assert (spec.n_layers, spec.n_kv_heads, spec.hidden_size) == (36, 8, 4096)
    assert spec.hf_repo == "Qwen/Qwen3-8B" and spec.custom
    assert spec.source == f"{fake_hub.url}/Qwen/Qwen3-8B/blob/{COMMIT}/config.json"
    assert quant.format_id is None and spec.native_dtype == "bf16"
    # huggingface_hub's requests: HEAD on the branch, then GET pinned to the commit it named
    resolves = [(m, p) for m, p, _ in fake_hub.requests if "/resolve/" in p and p.endswith("config.json")]
    assert resolves[:2] == [
        ("HEAD", "/Qwen/Qwen3-8B/resolve/main/config.json"),
        ("GET", f"/Qwen/Qwen3-8B/resolve/{COMMIT}/config.json"),
    ]


def test_moe_config_matches_published_total_and_active(fake_hub):
    spec, _ = hub.model_from_hub("mistralai/Mixtral-8x7B-v0.1")
    published = _published("mixtral-8x7b")  # 46.7B total / 12.9B active, source in the catalog file
    assert spec.params_b == pytest.approx(published.params_b, rel=0.02)
    assert spec.active_params_b == pytest.approx(published.active_params_b, rel=0.03)
    assert (spec.n_experts, spec.n_active_experts) == (8, 2)


def test_modelopt_checkpoint_is_recognised_from_hf_quant_config(fake_hub):
    spec, quant = hub.model_from_hub("nvidia/Llama-3.1-70B-Instruct-FP8")
    assert quant.format_id == "fp8_w8a8", quant
    assert ("GET", f"/nvidia/Llama-3.1-70B-Instruct-FP8/resolve/{COMMIT}/hf_quant_config.json") in [
        (m, p) for m, p, _ in fake_hub.requests
    ]


def test_fetch_writes_huggingface_hubs_cache_layout(fake_hub, tmp_path):
    from huggingface_hub import try_to_load_from_cache

    fetched = hub.fetch_config_file("Qwen/Qwen3-8B")
    assert fetched.commit_hash == COMMIT and not fetched.from_cache
    assert fetched.sha256 == hashlib.sha256(_config("qwen3-8b")).hexdigest()
    cache = tmp_path / "hf" / "hub"
    found = try_to_load_from_cache("Qwen/Qwen3-8B", "config.json", cache_dir=str(cache), revision="main")
    assert isinstance(found, str) and Path(found).read_bytes() == _config("qwen3-8b")
    assert (cache / "models--Qwen--Qwen3-8B" / "refs" / "main").read_text() == COMMIT
    assert (cache / "models--Qwen--Qwen3-8B" / "blobs" / _git_blob_id(_config("qwen3-8b"))).is_file()


# --------------------------------------------------------------------------------------------- gated, 404


def test_gated_repo_without_token_says_accept_the_license_and_set_hf_token(fake_hub):
    with pytest.raises(hub.HubAccessError) as err:
        hub.fetch_config("meta-llama/Llama-3.1-8B")
    message = str(err.value)
    assert "gated" in message and "HF_TOKEN" in message and "license" in message and "401" in message


def test_gated_repo_with_a_token_without_access_is_403(fake_hub):
    with pytest.raises(hub.HubAccessError, match="403"):
        hub.fetch_config("meta-llama/Llama-3.1-8B", token="hf_wrong")


def test_gated_repo_opens_with_hf_token_or_the_token_argument(fake_hub, monkeypatch):
    cfg = hub.fetch_config("meta-llama/Llama-3.1-8B", token=GOOD_TOKEN)
    assert cfg["num_hidden_layers"] == 32
    assert all(auth == f"Bearer {GOOD_TOKEN}" for _, p, auth in fake_hub.requests if "Llama-3.1-8B" in p)
    monkeypatch.setenv("HF_TOKEN", GOOD_TOKEN)
    spec, _ = hub.model_from_hub("meta-llama/Llama-3.1-8B", revision=COMMIT)
    assert spec.params_b == pytest.approx(_published("llama-3.1-8b").params_b, rel=0.02)


def test_unknown_repo_is_a_clear_not_found(fake_hub):
    with pytest.raises(hub.HubAccessError, match="private or gated, or does not exist"):
        hub.fetch_config("nobody/no-such-model")  # anonymous: the Hub says 401
    with pytest.raises(hub.HubNotFoundError, match="no model repo 'nobody/no-such-model'.*404"):
        hub.fetch_config("nobody/no-such-model", token="hf_any")


def test_unknown_revision_and_missing_config_json(fake_hub):
    with pytest.raises(hub.HubNotFoundError, match="no revision 'v9'"):
        hub.fetch_config("Qwen/Qwen3-8B", revision="v9")
    with pytest.raises(hub.HubNotFoundError, match="no config.json") as err:
        hub.fetch_config("someone/adapter-only")
    assert not isinstance(err.value, hub.HubGGUFRepoError)


def test_gguf_repo_without_config_json_is_named_with_its_files_and_formats(fake_hub):
    with pytest.raises(hub.HubGGUFRepoError) as err:
        hub.fetch_config("bartowski/Some-Model-GGUF")
    message = str(err.value)
    assert "GGUF repo with no config.json" in message
    assert "Some-Model-Q4_K_M.gguf" in message and "gguf_q4_k_m" in message and "gguf_q8_0" in message
    assert err.value.gguf_files == ["Some-Model-Q4_K_M.gguf", "Some-Model-Q8_0.gguf"]


# --------------------------------------------------------------------------------------------- offline


def test_offline_reuses_the_cached_copy_without_any_request(fake_hub, monkeypatch):
    first = hub.fetch_config("Qwen/Qwen3-8B")
    seen = len(fake_hub.requests)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    again = hub.fetch_config_file("Qwen/Qwen3-8B")
    assert again.config == first and again.from_cache and again.commit_hash == COMMIT
    assert hub.fetch_config("Qwen/Qwen3-8B", revision=COMMIT) == first
    assert len(fake_hub.requests) == seen, "offline mode sent a request"
    with pytest.raises(hub.HubUnreachableError, match="offline mode.*no cached config.json"):
        hub.fetch_config("mistralai/Mixtral-8x7B-v0.1")


def test_unreachable_endpoint_falls_back_to_the_cache_then_says_so(fake_hub, monkeypatch):
    first = hub.fetch_config("Qwen/Qwen3-8B")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("HF_ENDPOINT", dead)
    assert hub.fetch_config("Qwen/Qwen3-8B") == first
    with pytest.raises(hub.HubUnreachableError, match="cannot reach .* no cached config.json"):
        hub.fetch_config("mistralai/Mixtral-8x7B-v0.1")


# --------------------------------------------------------------------------------------------- refusals


def test_oversized_by_content_length_is_refused_before_the_body_is_read(fake_hub):
    with pytest.raises(hub.HubTooLargeError, match="over the 1,048,576-byte size limit"):
        hub.fetch_config("big/declared")
    assert [m for m, p, _ in fake_hub.requests if p.startswith("/big/declared/resolve/")] == ["HEAD"]


def test_oversized_while_streaming_is_refused_at_the_limit(fake_hub):
    with pytest.raises(hub.HubTooLargeError, match="larger than the 65,536-byte size limit"):
        hub.fetch_config("big/streamed", max_bytes=65536)


@pytest.mark.parametrize("where", ["redirect_all_to", "redirect_get_to"])
def test_redirect_to_another_host_is_refused_and_never_followed(fake_hub, where):
    other_hits: list[str] = []

    class Other(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            other_hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        do_HEAD = do_GET  # noqa: N815

        def log_message(self, *_a):
            pass

    with serve("127.0.0.2", Other) as other:
        fake_hub.repos["redir/model"] = Repo({"config.json": _config("qwen3-8b")}, **{where: other})
        with pytest.raises(hub.HubRedirectError, match="redirected to another host .*127.0.0.2.*not contacted"):
            hub.fetch_config("redir/model")
    assert other_hits == []


def test_malformed_json_and_non_object_are_refused(fake_hub):
    with pytest.raises(hub.HubResponseError, match="not valid JSON .*line 1"):
        hub.fetch_config("broken/json")
    with pytest.raises(hub.HubResponseError, match="holds a JSON list, expected an object"):
        hub.fetch_config("broken/array")
    with pytest.raises(hub.HubResponseError, match="nests 100,000 levels deep"):  # json.loads would recurse
        hub.fetch_config("broken/deep")


def test_a_server_that_is_not_a_hub_is_named(fake_hub):
    with pytest.raises(hub.HubResponseError, match="X-Repo-Commit.*not a Hugging Face Hub endpoint"):
        hub.fetch_config("not/hub")


@pytest.mark.parametrize(
    ("repo_id", "revision", "words"),
    [
        ("", None, "give a Hugging Face repo id"),
        ("not a repo id!", None, "is not a Hugging Face repo id"),
        ("Qwen/Qwen3-8B", "../../etc", "is not a branch, tag or commit"),
    ],
)
def test_bad_repo_id_or_revision_is_refused_before_any_request(fake_hub, repo_id, revision, words):
    with pytest.raises(hub.HubError, match=words):
        hub.fetch_config(repo_id, revision=revision)
    assert fake_hub.requests == []


def test_repo_url_is_accepted_as_an_id(fake_hub):
    assert hub.fetch_config("https://huggingface.co/Qwen/Qwen3-8B")["model_type"] == "qwen3"


def test_every_error_is_a_value_error():
    assert all(issubclass(cls, ValueError) for cls in hub.iter_errors())
