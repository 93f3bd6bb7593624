"""A model's ``config.json`` from the Hugging Face Hub, by repo id, through ``huggingface_hub``.

``fetch_config("Qwen/Qwen3-8B")`` returns the parsed JSON object; ``model_from_hub`` turns it into a
``ModelSpec`` plus the quantization the checkpoint already carries (``advisor.model_config``).

What it honours, read when called (not when imported, so a changed environment takes effect):

- ``HF_ENDPOINT`` (a mirror or a local stand-in), ``HF_TOKEN`` or the ``token`` argument (gated and
  private repos), ``HF_HUB_OFFLINE=1``, and the cache (``HF_HUB_CACHE``, else ``HF_HOME/hub``) in
  huggingface_hub's own layout (``models--org--name/{blobs,snapshots,refs}``), so a repo fetched once
  works offline and ``hf_hub_download`` / ``try_to_load_from_cache`` see the same file.

What it refuses, each with a ``HubError`` (a ``ValueError``) whose message says what to do:

- 401/403 on a gated or private repo (accept the license on the repo page, set ``HF_TOKEN``);
- 404: no such repo or revision, or no ``config.json`` (a GGUF-only repo is named as such);
- a redirect to another host: never followed, the other host is never contacted (same-host redirects,
  as the Hub gives for a renamed repo, are followed);
- a body over ``max_bytes``: by ``Content-Length`` before reading, and while streaming when the
  length is absent or wrong;
- malformed JSON, or JSON that is not an object;
- no network (or offline mode) and nothing in the cache.

The requests are those of ``hf_hub_download`` (HEAD ``/{repo}/resolve/{revision}/config.json`` for
X-Repo-Commit / ETag / Content-Length, then GET of the file at that commit), sent through huggingface_hub's
HTTP session (``get_session``: its proxies, headers and offline guard) with its URL builder, token
headers and error classes. They are sent here rather than by ``hf_hub_download`` because that follows
redirects to other hosts (and ``get_hf_file_metadata`` to huggingface.co from a mirror) and reads a body
of any length.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin, urlparse

if TYPE_CHECKING:
    from advisor.model_config import QuantizationInfo
    from advisor.models import ModelSpec

#: A config.json is a few kB (DeepSeek V3's is 1.7 kB); 1 MiB leaves room and refuses anything else.
DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_ENDPOINT = "https://huggingface.co"
CONFIG_NAME = "config.json"
TIMEOUT_S = 10.0
_MAX_REDIRECTS = 5
_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
_ETAG_RE = re.compile(r"^[A-Za-z0-9._\-]{1,200}$")
_TOKEN_HINT = (
    "If the repo is gated, accept its license on the repo page while logged in, then set HF_TOKEN "
    "(a read token from https://huggingface.co/settings/tokens) or pass a token"
)


class HubError(ValueError):
    """A config.json that could not be had from the Hub; the message names the cause and the remedy."""

    kind = "error"


class HubAccessError(HubError):
    """401/403: gated or private repo, or a token without access."""

    kind = "access"


class HubNotFoundError(HubError):
    """404: no such repo or revision, or the repo has no config.json."""

    kind = "not_found"


class HubGGUFRepoError(HubNotFoundError):
    """The repo holds GGUF files and no config.json."""

    kind = "gguf"

    def __init__(self, message: str, gguf_files: list[str]):
        super().__init__(message)
        self.gguf_files = gguf_files


class HubRedirectError(HubError):
    """The endpoint redirected to another host; refused, the other host was not contacted."""

    kind = "redirect"


class HubTooLargeError(HubError):
    """The response is larger than the limit."""

    kind = "too_large"


class HubResponseError(HubError):
    """The endpoint answered something that is not a Hub file response, or JSON that is not a config."""

    kind = "bad_response"


class HubUnreachableError(HubError):
    """No network or offline mode, and nothing cached for this repo and revision."""

    kind = "unreachable"


@dataclass(frozen=True)
class FetchedConfig:
    """A config.json and where it came from."""

    config: dict
    repo_id: str
    revision: str  # as asked ("main" when not given)
    commit_hash: str | None  # None only when read from the cache by a branch name with no ref file
    sha256: str  # of the bytes as served
    url: str  # the Hub page of the file at that commit
    from_cache: bool


# --------------------------------------------------------------------------------------------- environment


def _endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def _offline() -> bool:
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.strip().upper() in {"1", "ON", "YES", "TRUE"}


def hub_cache_dir() -> Path:
    """huggingface_hub's cache folder as the environment says now (HF_HUB_CACHE, HF_HOME/hub, XDG, ~)."""
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(os.path.expandvars(os.path.expanduser(explicit)))
    home = os.environ.get("HF_HOME")
    if not home:
        home = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface")
    return Path(os.path.expandvars(os.path.expanduser(home))) / "hub"


def _origin(url: str) -> tuple[str, str, int]:
    p = urlparse(url)
    return (p.scheme, (p.hostname or "").lower(), p.port or {"http": 80, "https": 443}.get(p.scheme, 0))


def _check_revision(revision: str) -> str:
    parts = revision.split("/")
    if not revision or revision.startswith("/") or "\\" in revision or any(p in ("", ".", "..") for p in parts):
        raise HubError(f"revision {revision!r} is not a branch, tag or commit hash")
    return revision


def _check_repo_id(repo_id: object) -> str:
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    if not isinstance(repo_id, str) or not repo_id.strip():
        raise HubError("give a Hugging Face repo id such as 'Qwen/Qwen3-8B' (owner/name)")
    repo_id = repo_id.strip()
    if repo_id.startswith(("https://huggingface.co/", "http://huggingface.co/", "huggingface.co/", "hf.co/")):
        repo_id = repo_id.split("co/", 1)[1].strip("/")
        repo_id = "/".join(repo_id.split("/")[:2])
    try:
        validate_repo_id(repo_id)
    except HFValidationError as err:
        raise HubError(
            f"{repo_id!r} is not a Hugging Face repo id (expected owner/name, e.g. Qwen/Qwen3-8B): {err}"
        ) from None
    return repo_id


# --------------------------------------------------------------------------------------------- cache


def _storage(cache: Path, repo_id: str) -> Path:
    return cache / ("models--" + repo_id.replace("/", "--"))


def _cached_path(
    cache: Path, repo_id: str, revision: str, filename: str = CONFIG_NAME
) -> tuple[Path | None, str | None]:
    """The cached config.json for (repo, revision) and its commit, via huggingface_hub's cache reader."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, filename, cache_dir=str(cache), revision=revision)
    if not isinstance(found, str):
        return None, None
    path = Path(found)
    commit = path.parent.name if _COMMIT_RE.match(path.parent.name) else None
    return path, commit


def _write_cache(
    cache: Path, repo_id: str, revision: str, commit: str, etag: str, body: bytes, filename: str = CONFIG_NAME
) -> None:
    """Store the file the way hf_hub_download does: blob by etag, snapshot link by commit, ref by revision."""
    storage = _storage(cache, repo_id)
    blob = storage / "blobs" / etag
    pointer = storage / "snapshots" / commit / filename
    blob.parent.mkdir(parents=True, exist_ok=True)
    pointer.parent.mkdir(parents=True, exist_ok=True)
    if not blob.exists():
        fd, tmp = tempfile.mkstemp(dir=blob.parent, suffix=".incomplete")
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        os.replace(tmp, blob)
    if not pointer.exists():
        try:
            pointer.symlink_to(os.path.relpath(blob, pointer.parent))
        except OSError:  # no symlinks (Windows without developer mode): a copy, as huggingface_hub does
            fd, tmp = tempfile.mkstemp(dir=pointer.parent, suffix=".incomplete")
            with os.fdopen(fd, "wb") as f:
                f.write(body)
            os.replace(tmp, pointer)
    if revision != commit:
        ref = storage / "refs" / revision
        ref.parent.mkdir(parents=True, exist_ok=True)
        if not ref.exists() or ref.read_text().strip() != commit:
            ref.write_text(commit)


# --------------------------------------------------------------------------------------------- HTTP


def _http_error(err: Exception, repo_id: str, revision: str, what: str) -> HubError:
    """huggingface_hub's HTTP error classes -> one of ours, with what to do."""
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    status = getattr(getattr(err, "response", None), "status_code", None)
    if isinstance(err, GatedRepoError):
        return HubAccessError(
            f"{repo_id} is a gated repo and this request has no access (HTTP {status}). "
            f"Accept the license on {_endpoint()}/{repo_id} while logged in, then set HF_TOKEN "
            "(a read token from https://huggingface.co/settings/tokens) or pass a token"
        )
    if isinstance(err, RevisionNotFoundError):
        return HubNotFoundError(f"{repo_id} has no revision {revision!r} (HTTP 404): give a branch, tag or commit")
    if isinstance(err, RemoteEntryNotFoundError):
        return HubNotFoundError(f"{repo_id} has no {what} at revision {revision!r} (HTTP 404)")
    if isinstance(err, RepositoryNotFoundError):
        if status in (401, 403):
            return HubAccessError(
                f"{repo_id}: access refused (HTTP {status}); the repo is private or gated, or does not exist. "
                + _TOKEN_HINT
            )
        return HubNotFoundError(
            f"no model repo {repo_id!r} on {_endpoint()} (HTTP {status or 404}); check the spelling (owner/name). "
            "A private repo also answers like this without a token: set HF_TOKEN"
        )
    if isinstance(err, HfHubHTTPError) and status in (401, 403):
        return HubAccessError(f"{repo_id}: access refused (HTTP {status}). " + _TOKEN_HINT)
    if isinstance(err, HfHubHTTPError) and status == 404:
        return HubNotFoundError(f"{repo_id}: {what} not found at revision {revision!r} (HTTP 404)")
    return HubResponseError(f"{repo_id}: the Hub answered HTTP {status} for {what}: {str(err).splitlines()[0]}")


def _is_network_error(err: Exception) -> bool:
    import httpx2
    from huggingface_hub.errors import OfflineModeIsEnabled

    return isinstance(err, (httpx2.TransportError, OfflineModeIsEnabled, ConnectionError, TimeoutError))


def _headers(token: str | None) -> dict[str, str]:
    from huggingface_hub.utils import build_hf_headers

    headers = build_hf_headers(token=token if token else None, library_name="format-advisor")
    headers["Accept-Encoding"] = "identity"  # the Content-Length is then the size we will read
    return headers


def _follow(method: str, url: str, headers: dict[str, str], repo_id: str, what: str):
    """Open ``method url`` (streamed), following same-host redirects only; the caller closes the response."""
    from huggingface_hub.utils import get_session

    session = get_session()
    start = url
    for _ in range(_MAX_REDIRECTS + 1):
        request = session.build_request(method, url, headers=headers, timeout=TIMEOUT_S)
        response = session.send(request, stream=True, follow_redirects=False)
        if 300 <= response.status_code < 400 and "Location" in response.headers:
            response.close()
            target = urljoin(url, response.headers["Location"])
            if _origin(target) != _origin(start):
                raise HubRedirectError(_redirect_message(repo_id, start, target))
            url = target
            continue
        return response
    raise HubRedirectError(f"{repo_id}: more than {_MAX_REDIRECTS} redirects fetching {what}; refused")


def _raise_for_status(response) -> None:
    from huggingface_hub.utils import hf_raise_for_status

    if response.status_code >= 400:
        response.read()
        hf_raise_for_status(response)


def _bounded_get(url: str, headers: dict[str, str], max_bytes: int, repo_id: str, what: str) -> bytes:
    """GET url, following same-host redirects only, reading at most max_bytes."""
    response = _follow("GET", url, headers, repo_id, what)
    try:
        _raise_for_status(response)
        _check_length(response.headers.get("Content-Length"), max_bytes, repo_id, what)
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes(chunk_size=65536):
            total += len(chunk)
            if total > max_bytes:
                raise HubTooLargeError(
                    f"{repo_id}: {what} is larger than the {max_bytes:,}-byte size limit (read {total:,} bytes "
                    "and stopped); a config.json is a few kB, so this is not one"
                )
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        response.close()


@dataclass(frozen=True)
class _Meta:
    url: str  # where the file is served, after same-host redirects
    commit_hash: str | None
    etag: str | None
    size: int | None


def _head(url: str, headers: dict[str, str], repo_id: str) -> _Meta:
    """HEAD /resolve, as get_hf_file_metadata does, but never leaving the endpoint's host."""
    response = _follow("HEAD", url, headers, repo_id, url.rsplit("/", 1)[-1])
    try:
        _raise_for_status(response)
        h = response.headers
        etag = (h.get("X-Linked-Etag") or h.get("ETag") or "").strip()
        etag = etag.removeprefix("W/").strip('"') or None
        size = h.get("X-Linked-Size") or h.get("Content-Length")
        return _Meta(
            str(response.request.url), h.get("X-Repo-Commit"), etag, int(size) if (size or "").isdigit() else None
        )
    finally:
        response.close()


def _redirect_message(repo_id: str, url: str, target: str) -> str:
    return (
        f"{repo_id}: the endpoint {_endpoint()} redirected to another host ({_origin(target)[1]}); refused, "
        "that host was not contacted. config.json is served by the Hub itself: check HF_ENDPOINT"
    )


def _check_length(value: str | int | None, max_bytes: int, repo_id: str, what: str) -> None:
    try:
        size = int(value) if value is not None else None
    except (TypeError, ValueError):
        size = None
    if size is not None and size > max_bytes:
        raise HubTooLargeError(
            f"{repo_id}: {what} is {size:,} bytes, over the {max_bytes:,}-byte size limit; refused without "
            "reading it (a config.json is a few kB)"
        )


def _list_top_files(repo_id: str, revision: str, headers: dict[str, str], max_bytes: int) -> list[str]:
    """The repo's top-level file names (Hub tree API), [] when they cannot be listed."""
    from safeio.limits import load_json

    url = f"{_endpoint()}/api/models/{repo_id}/tree/{quote(revision, safe='')}"
    try:
        body = _bounded_get(url, headers, max(max_bytes, 4 * 1024 * 1024), repo_id, "the file list")
        entries = load_json(body.decode("utf-8", "replace"), what="the file list")  # bounded depth
    except (HubError, ValueError, OSError) as err:
        if isinstance(err, HubRedirectError):
            raise
        return []
    except Exception as err:  # noqa: BLE001 - any HTTP failure here only loses the GGUF hint
        if _is_network_error(err) or type(err).__module__.startswith("huggingface_hub"):
            return []
        raise
    if not isinstance(entries, list):
        return []
    return [str(e.get("path")) for e in entries if isinstance(e, dict) and e.get("type") == "file" and e.get("path")]


def _no_config(repo_id: str, revision: str, headers: dict[str, str], max_bytes: int) -> HubNotFoundError:
    from advisor.model_config import gguf_format_from_name

    files = _list_top_files(repo_id, revision, headers, max_bytes)
    gguf = sorted(f for f in files if f.lower().endswith(".gguf"))
    if gguf:
        formats = sorted({fid for f in gguf if (fid := gguf_format_from_name(f))})
        shown = ", ".join(gguf[:6]) + (f" and {len(gguf) - 6} more" if len(gguf) > 6 else "")
        return HubGGUFRepoError(
            f"{repo_id} is a GGUF repo with no config.json ({len(gguf)} .gguf files: {shown}"
            + (f"; formats {', '.join(formats)}" if formats else "")
            + "). A GGUF file carries its shape in its own header, not in config.json: give the original "
            "(unquantized) repo id, usually named in the model card, and pick the GGUF format in the advice",
            gguf,
        )
    return HubNotFoundError(
        f"{repo_id} has no config.json at revision {revision!r} (HTTP 404); "
        "it may be a dataset, an adapter (adapter_config.json) or a non-transformers checkpoint"
    )


# --------------------------------------------------------------------------------------------- fetch


class ConfigFileError(ValueError):
    """A config.json (uploaded, pasted or read from disk) that is not a JSON object; the message says where."""


def read_config_bytes(data: bytes | str, *, what: str = "config.json", max_bytes: int = DEFAULT_MAX_BYTES) -> dict:
    """A config.json's bytes (or text) -> dict, bounded in size and nesting (``safeio.limits``)."""
    from safeio.limits import load_json
    from safeio.text import UnreadableFile

    size = len(data.encode() if isinstance(data, str) else data)
    if size > max_bytes:
        raise ConfigFileError(
            f"{what} is {size:,} bytes, over the {max_bytes:,}-byte size limit (a config.json is a few kB)"
        )
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise ConfigFileError(f"{what} is not UTF-8 text ({err.reason} at byte {err.start})") from None
    if not data.strip():
        raise ConfigFileError(f"{what} is empty: expected the JSON object of a Hugging Face config.json")
    try:
        value = load_json(data, what=what)
    except json.JSONDecodeError as err:
        raise ConfigFileError(
            f"{what} is not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})"
        ) from None
    except UnreadableFile as err:
        raise ConfigFileError(str(err)) from None
    if not isinstance(value, dict):
        raise ConfigFileError(f"{what} holds a JSON {type(value).__name__}, expected an object")
    return value


def _parse(body: bytes, repo_id: str, filename: str = CONFIG_NAME) -> dict:
    try:
        return read_config_bytes(body, what=filename, max_bytes=max(len(body), 1))
    except ConfigFileError as err:
        raise HubResponseError(f"{repo_id}: {err}") from None


def _from_cache(
    cache: Path, repo_id: str, revision: str, max_bytes: int, filename: str = CONFIG_NAME
) -> FetchedConfig | None:
    path, commit = _cached_path(cache, repo_id, revision, filename)
    if path is None:
        return None
    size = path.stat().st_size
    _check_length(size, max_bytes, repo_id, f"the cached {filename}")
    body = path.read_bytes()
    return FetchedConfig(
        config=_parse(body, repo_id, filename),
        repo_id=repo_id,
        revision=revision,
        commit_hash=commit,
        sha256=hashlib.sha256(body).hexdigest(),
        url=_page_url(repo_id, commit or revision, filename),
        from_cache=True,
    )


def _page_url(repo_id: str, rev: str, filename: str = CONFIG_NAME) -> str:
    return f"{_endpoint()}/{repo_id}/blob/{quote(rev, safe='')}/{filename}"


def fetch_config_file(
    repo_id: str,
    *,
    revision: str | None = None,
    token: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FetchedConfig:
    """The repo's config.json with its commit and sha256 (see the module doc for what is refused)."""
    return _fetch_json(repo_id, CONFIG_NAME, revision=revision, token=token, max_bytes=max_bytes)


def _fetch_json(
    repo_id: str, filename: str, *, revision: str | None, token: str | None, max_bytes: int
) -> FetchedConfig:
    from huggingface_hub import hf_hub_url

    repo_id = _check_repo_id(repo_id)
    revision = _check_revision(revision or "main")
    if not isinstance(max_bytes, int) or max_bytes <= 0:
        raise HubError(f"max_bytes must be a positive integer, got {max_bytes!r}")
    cache = hub_cache_dir()

    if _COMMIT_RE.match(revision):  # a commit never changes: a cached copy is the answer
        cached = _from_cache(cache, repo_id, revision, max_bytes, filename)
        if cached is not None:
            return cached
    if _offline():
        cached = _from_cache(cache, repo_id, revision, max_bytes, filename)
        if cached is not None:
            return cached
        raise HubUnreachableError(
            f"{repo_id}: offline mode (HF_HUB_OFFLINE=1) and no cached {filename} for revision {revision!r} "
            f"in {cache}; fetch it once with network access, or upload the config.json"
        )

    endpoint = _endpoint()
    url = hf_hub_url(repo_id, filename, revision=revision, endpoint=endpoint)
    headers = _headers(token)
    try:
        meta = _head(url, headers, repo_id)
    except HubError:
        raise
    except Exception as err:
        if _is_network_error(err):
            cached = _from_cache(cache, repo_id, revision, max_bytes, filename)
            if cached is not None:
                return cached
            raise HubUnreachableError(
                f"{repo_id}: cannot reach {endpoint} ({type(err).__name__}: {str(err)[:160]}) and no cached "
                f"{filename} for revision {revision!r} in {cache}; check the network or HF_ENDPOINT, "
                "or upload the config.json"
            ) from None
        from huggingface_hub.errors import RemoteEntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError

        status = getattr(getattr(err, "response", None), "status_code", None)
        plain_404 = status == 404 and not isinstance(err, (RepositoryNotFoundError, RevisionNotFoundError))
        if filename == CONFIG_NAME and (isinstance(err, RemoteEntryNotFoundError) or plain_404):
            raise _no_config(repo_id, revision, headers, max_bytes) from None
        if status is not None and (status >= 500 or status == 429):  # the Hub is down: a cached copy will do
            cached = _from_cache(cache, repo_id, revision, max_bytes, filename)
            if cached is not None:
                return cached
        if type(err).__module__.startswith("huggingface_hub"):
            raise _http_error(err, repo_id, revision, filename) from None
        raise

    commit, etag = meta.commit_hash, meta.etag
    if not commit or not _COMMIT_RE.match(commit) or not etag or not _ETAG_RE.match(etag):
        raise HubResponseError(
            f"{repo_id}: {endpoint} answered without a valid X-Repo-Commit / ETag header "
            f"(commit {commit!r}, etag {etag!r}), so it is not a Hugging Face Hub endpoint: check HF_ENDPOINT"
        )
    _check_length(meta.size, max_bytes, repo_id, filename)

    cached_path, _ = _cached_path(cache, repo_id, commit, filename)
    if cached_path is not None:
        body = cached_path.read_bytes()
        from_cache = True
    else:
        pinned = hf_hub_url(repo_id, filename, revision=commit, endpoint=endpoint)
        if _origin(meta.url) == _origin(url) and meta.url != url:  # a renamed repo: its new name, same host
            pinned = meta.url.replace(f"/resolve/{quote(revision, safe='')}/", f"/resolve/{commit}/")
        try:
            body = _bounded_get(pinned, headers, max_bytes, repo_id, filename)
        except HubError:
            raise
        except Exception as err:
            if _is_network_error(err):
                raise HubUnreachableError(f"{repo_id}: lost the connection to {endpoint} reading {filename}") from None
            if type(err).__module__.startswith("huggingface_hub"):
                raise _http_error(err, repo_id, revision, filename) from None
            raise
        from_cache = False
    config = _parse(body, repo_id, filename)
    if not from_cache:
        with contextlib.suppress(OSError):  # a read-only cache costs the offline copy, not this answer
            _write_cache(cache, repo_id, revision, commit, etag, body, filename)
    return FetchedConfig(
        config=config,
        repo_id=repo_id,
        revision=revision,
        commit_hash=commit,
        sha256=hashlib.sha256(body).hexdigest(),
        url=_page_url(repo_id, commit, filename),
        from_cache=from_cache,
    )


def fetch_config(
    repo_id: str,
    *,
    revision: str | None = None,
    token: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> dict:
    """The parsed config.json of a Hub model repo (raises a ``HubError`` naming the cause and the remedy)."""
    return fetch_config_file(repo_id, revision=revision, token=token, max_bytes=max_bytes).config


QUANT_CONFIG_NAME = "hf_quant_config.json"  # NVIDIA ModelOpt checkpoints state their format here


def model_from_config(
    cfg: dict, *, hf_repo: str = "", source: str = "", name: str = "", quant_config: dict | None = None
) -> tuple[ModelSpec, QuantizationInfo]:
    """The ModelSpec and the checkpoint's own quantization of a parsed config.json.

    ``quant_config`` is the repo's hf_quant_config.json when it has one. ModelConfigError (a ValueError)
    names the missing fields of a shape that cannot be read.
    """
    from advisor.model_config import detect_quantization, spec_from_hf_config, text_config

    checked = dt.date.today().isoformat()
    spec = spec_from_hf_config(
        cfg, hf_repo=hf_repo, name=name, source=source, checked=checked, quant_config=quant_config
    )
    q = cfg.get("quantization_config") or text_config(cfg).get("quantization_config") or quant_config
    return spec, detect_quantization(q)


def fetch_quant_config(
    repo_id: str, *, revision: str | None = None, token: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> dict | None:
    """The repo's hf_quant_config.json (ModelOpt), None when it has none."""
    try:
        return _fetch_json(repo_id, QUANT_CONFIG_NAME, revision=revision, token=token, max_bytes=max_bytes).config
    except HubNotFoundError:
        return None


def model_from_hub(
    repo_id: str,
    *,
    revision: str | None = None,
    token: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[ModelSpec, QuantizationInfo]:
    """A Hub repo's ModelSpec and quantization; HubError for the fetch, ModelConfigError for the shape.

    When config.json has no ``quantization_config`` the repo's hf_quant_config.json is read too (a
    second small request, cached like the first), so a ModelOpt FP8/NVFP4 checkpoint is recognised.
    """
    fetched = fetch_config_file(repo_id, revision=revision, token=token, max_bytes=max_bytes)
    return model_from_fetched(fetched, token=token, max_bytes=max_bytes)


def model_from_fetched(
    fetched: FetchedConfig, *, token: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[ModelSpec, QuantizationInfo]:
    """model_from_hub for a config already fetched (reads hf_quant_config.json at the same commit)."""
    from advisor.model_config import text_config

    quant = None
    cfg = fetched.config
    if not (cfg.get("quantization_config") or text_config(cfg).get("quantization_config")):
        rev = fetched.commit_hash or fetched.revision
        quant = fetch_quant_config(fetched.repo_id, revision=rev, token=token, max_bytes=max_bytes)
    return model_from_config(cfg, hf_repo=fetched.repo_id, source=fetched.url, quant_config=quant)


def iter_errors() -> Iterator[type[HubError]]:
    """Every HubError class (for callers that map them to UI messages)."""
    yield from (HubAccessError, HubNotFoundError, HubGGUFRepoError, HubRedirectError, HubTooLargeError)
    yield from (HubResponseError, HubUnreachableError)
