"""The built-in provider catalogue: what VansRoute knows about each upstream before a user adds it.

The data lives in `resources/providers/<id>.json` (one file per provider, shipped in the wheel as
`app/resources/providers/`). It is read once, at start, and checked field by field: a bad file
fails loudly with its path and the offending field, never half-loaded. Prices are USD per million
tokens and present only where the provider publishes them; `null` means "not known", never zero.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

import orjson

from app.core.errors import ConfigError
from app.core.records import WireFormat

_E = TypeVar("_E", bound=StrEnum)


class CatalogError(ConfigError):
    """A catalogue file is missing, unreadable or does not match the schema."""


class Category(StrEnum):
    FREE = "free"
    SUBSCRIPTION = "subscription"
    API_KEY = "api_key"
    LOCAL = "local"


class AuthScheme(StrEnum):
    BEARER = "bearer"  # Authorization: Bearer <key>
    X_API_KEY = "x-api-key"  # Anthropic
    X_GOOG_API_KEY = "x-goog-api-key"  # Gemini
    API_KEY = "api-key"  # Azure OpenAI
    NONE = "none"  # local servers


class Capability(StrEnum):
    TOOLS = "tools"
    VISION = "vision"
    REASONING = "reasoning"
    PDF = "pdf"


@dataclass(frozen=True, slots=True)
class OffPeak:
    """A discount outside the provider's busy hours (DeepSeek: half price outside 09:00-12:00 and
    14:00-18:00 Beijing time on weekdays). Windows are minutes of the UTC day, [start, end); public
    holidays are not known here, so they are billed as peak (the estimate errs on the high side)."""

    factor: float
    peak_utc: tuple[tuple[int, int], ...]
    weekdays_only: bool = True

    def is_off_peak(self, at: datetime) -> bool:
        utc = at.astimezone(UTC)
        if self.weekdays_only and utc.weekday() >= 5:
            return True
        minute = utc.hour * 60 + utc.minute
        return not any(start <= minute < end for start, end in self.peak_utc)

    def describe(self) -> str:
        windows = ", ".join(
            f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in self.peak_utc
        )
        days = " Mon-Fri" if self.weekdays_only else ""
        return f"x{self.factor:g} outside {windows} UTC{days}"


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens, as the provider publishes it."""

    input: float
    output: float
    cached_input: float | None = None
    off_peak: OffPeak | None = None

    def at(self, when: datetime) -> Price:
        """The price that applies to tokens processed at `when`."""
        if self.off_peak is None or not self.off_peak.is_off_peak(when):
            return self
        f = self.off_peak.factor
        cached = None if self.cached_input is None else self.cached_input * f
        return Price(self.input * f, self.output * f, cached)


@dataclass(frozen=True, slots=True)
class CatalogModel:
    id: str
    context_window: int | None = None
    max_output: int | None = None
    capabilities: frozenset[Capability] = frozenset()
    price: Price | None = None
    # False where the provider's own client never sends a temperature (it is stripped upstream).
    temperature: bool = True

    def has(self, capability: Capability) -> bool:
        return capability in self.capabilities


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class CatalogProvider:
    id: str
    name: str
    category: Category
    wire_format: WireFormat
    # Either a plain URL or a template such as https://{resource}.openai.azure.com/...;
    # `url_variables` names the placeholders, empty for a plain URL.
    base_url: str
    auth: AuthScheme
    aliases: tuple[str, ...] = ()
    url_variables: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=_empty)
    query: Mapping[str, str] = field(default_factory=_empty)
    # The quota is a monthly allowance that resets on the 1st (Kimchi).
    monthly_quota: bool = False
    # Any model id is forwarded as is (AgentRouter, OpenRouter): the list is only a suggestion.
    passthrough: bool = False
    docs_url: str | None = None
    models: tuple[CatalogModel, ...] = ()
    # How its own model list is read (app/providers/listing): None reads it by wire format.
    model_list: str | None = None
    # An authenticated GET (relative to the base URL) for "test connection" where the model list is
    # public and would call any key good (OpenRouter's /key).
    key_check: str | None = None

    @property
    def is_template(self) -> bool:
        return bool(self.url_variables)

    def model(self, model_id: str) -> CatalogModel | None:
        return next((m for m in self.models if m.id == model_id), None)

    def render_url(self, values: Mapping[str, str]) -> str:
        """The base URL with its template variables filled in; every variable must be given."""
        missing = [v for v in self.url_variables if not values.get(v)]
        if missing:
            raise ConfigError(
                f"provider '{self.id}' needs {', '.join(missing)} to build its URL ({self.base_url})"
            )
        return self.base_url.format_map({v: values[v] for v in self.url_variables})


@dataclass(frozen=True, slots=True)
class Catalog:
    providers: tuple[CatalogProvider, ...]

    def get(self, id_or_alias: str) -> CatalogProvider | None:
        key = id_or_alias.strip().lower()
        for p in self.providers:
            if p.id == key or key in p.aliases:
                return p
        return None

    def __len__(self) -> int:
        return len(self.providers)


# --- loading ---------------------------------------------------------------------------------------

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_HEADER = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_PROVIDER_KEYS = frozenset(
    {
        "id",
        "name",
        "aliases",
        "category",
        "format",
        "base_url",
        "url_variables",
        "auth",
        "headers",
        "query",
        "monthly_quota",
        "passthrough",
        "docs_url",
        "models",
        "model_list",
        "key_check",
    }
)
_PROVIDER_REQUIRED = ("id", "name", "category", "format", "base_url", "auth", "models")
_MODEL_KEYS = frozenset({"id", "context", "max_output", "caps", "price", "temperature"})
_PRICE_KEYS = frozenset({"input", "output", "cached_input", "off_peak"})
_OFF_PEAK_KEYS = frozenset({"factor", "peak_utc", "weekdays_only"})
_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def resources_dir() -> Path:
    """Where the provider files are: the source checkout's resources/, else the wheel's copy."""
    here = Path(__file__).resolve()
    candidates = (
        here.parents[1] / "resources" / "providers",  # installed wheel: app/resources/providers
        here.parents[2] / "resources" / "providers",  # source checkout: <repo>/resources/providers
    )
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise CatalogError(
        "the provider catalogue is missing (looked in " + ", ".join(str(c) for c in candidates) + ")"
    )


@functools.cache
def builtin_catalog() -> Catalog:
    """The shipped catalogue, loaded and validated once per process."""
    return load_catalog(resources_dir())


def load_catalog(directory: Path) -> Catalog:
    files = sorted(directory.glob("*.json"))
    if not files:
        raise CatalogError(f"{directory}: no provider files (*.json)")
    providers = [load_provider_file(f) for f in files]
    seen: dict[str, Path] = {}
    for path, provider in zip(files, providers, strict=True):
        for name in (provider.id, *provider.aliases):
            if name in seen:
                raise CatalogError(f"{path}: id or alias '{name}' is already used by {seen[name].name}")
            seen[name] = path
    return Catalog(tuple(providers))


def load_provider_file(path: Path) -> CatalogProvider:
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except orjson.JSONDecodeError as exc:
        raise CatalogError(f"{path}: not valid JSON ({exc})") from None
    provider = parse_provider(data, str(path))
    if provider.id != path.stem:
        raise CatalogError(f"{path}: field 'id' is '{provider.id}' but the file is named '{path.name}'")
    return provider


def parse_provider(data: object, source: str) -> CatalogProvider:
    """Validate one provider's data; errors name `source` and the field."""
    obj = _object(data, source, "")
    _keys(obj, _PROVIDER_KEYS, _PROVIDER_REQUIRED, source, "")
    pid = _ident(obj["id"], source, "id")
    base_url = _str(obj["base_url"], source, "base_url")
    url_variables = _str_list(obj.get("url_variables", []), source, "url_variables")
    _check_url(base_url, url_variables, source)
    models_raw = obj["models"]
    if not isinstance(models_raw, list):
        raise _err(source, "models", "must be a list")
    models = tuple(_model(m, source, f"models[{i}]") for i, m in enumerate(models_raw))
    ids = [m.id for m in models]
    dupes = sorted({m for m in ids if ids.count(m) > 1})
    if dupes:
        raise _err(source, "models", f"duplicate model id(s): {', '.join(dupes)}")
    docs_url = obj.get("docs_url")
    model_list = obj.get("model_list")
    key_check = obj.get("key_check")
    if key_check is not None and not (isinstance(key_check, str) and key_check.startswith("/")):
        raise _err(source, "key_check", "must be a path starting with '/'")
    return CatalogProvider(
        id=pid,
        name=_str(obj["name"], source, "name"),
        aliases=tuple(
            _ident(a, source, "aliases") for a in _str_list(obj.get("aliases", []), source, "aliases")
        ),
        category=_enum(Category, obj["category"], source, "category"),
        wire_format=_enum(WireFormat, obj["format"], source, "format"),
        base_url=base_url,
        url_variables=tuple(url_variables),
        auth=_enum(AuthScheme, obj["auth"], source, "auth"),
        headers=MappingProxyType(_headers(obj.get("headers", {}), source, "headers")),
        query=MappingProxyType(_str_map(obj.get("query", {}), source, "query")),
        monthly_quota=_bool(obj.get("monthly_quota", False), source, "monthly_quota"),
        passthrough=_bool(obj.get("passthrough", False), source, "passthrough"),
        docs_url=None if docs_url is None else _str(docs_url, source, "docs_url"),
        models=models,
        model_list=None if model_list is None else _ident(model_list, source, "model_list"),
        key_check=key_check,
    )


def _model(data: object, source: str, where: str) -> CatalogModel:
    obj = _object(data, source, where)
    _keys(obj, _MODEL_KEYS, ("id",), source, where)
    mid = obj["id"]
    if not isinstance(mid, str) or not mid.strip() or mid != mid.strip():
        raise _err(source, f"{where}.id", "must be a non-empty string without surrounding spaces")
    caps = _str_list(obj.get("caps", []), source, f"{where}.caps")
    price = obj.get("price")
    return CatalogModel(
        id=mid,
        context_window=_count(obj.get("context"), source, f"{where}.context"),
        max_output=_count(obj.get("max_output"), source, f"{where}.max_output"),
        capabilities=frozenset(_enum(Capability, c, source, f"{where}.caps") for c in caps),
        price=None if price is None else _price(price, source, f"{where}.price"),
        temperature=_bool(obj.get("temperature", True), source, f"{where}.temperature"),
    )


def _price(data: object, source: str, where: str) -> Price:
    obj = _object(data, source, where)
    _keys(obj, _PRICE_KEYS, ("input", "output"), source, where)
    cached = obj.get("cached_input")
    off_peak = obj.get("off_peak")
    return Price(
        input=_money(obj["input"], source, f"{where}.input"),
        output=_money(obj["output"], source, f"{where}.output"),
        cached_input=None if cached is None else _money(cached, source, f"{where}.cached_input"),
        off_peak=None if off_peak is None else _off_peak(off_peak, source, f"{where}.off_peak"),
    )


def _off_peak(data: object, source: str, where: str) -> OffPeak:
    obj = _object(data, source, where)
    _keys(obj, _OFF_PEAK_KEYS, ("factor", "peak_utc"), source, where)
    factor = _money(obj["factor"], source, f"{where}.factor")
    if not 0 < factor < 1:
        raise _err(source, f"{where}.factor", "must be between 0 and 1 (a discount)")
    windows = []
    for text in _str_list(obj["peak_utc"], source, f"{where}.peak_utc"):
        match = _WINDOW.match(text)
        start = int(match[1]) * 60 + int(match[2]) if match else 0
        end = int(match[3]) * 60 + int(match[4]) if match else 0
        if match is None or not start < end <= 24 * 60:
            raise _err(source, f"{where}.peak_utc", f"'{text}' is not a window like 01:00-04:00")
        windows.append((start, end))
    if not windows:
        raise _err(source, f"{where}.peak_utc", "needs at least one window")
    return OffPeak(
        factor=factor,
        peak_utc=tuple(windows),
        weekdays_only=_bool(obj.get("weekdays_only", True), source, f"{where}.weekdays_only"),
    )


def _check_url(url: str, variables: list[str], source: str) -> None:
    try:
        found = [name for _, name, _, _ in string.Formatter().parse(url) if name is not None]
    except ValueError as exc:
        raise _err(source, "base_url", f"bad template ({exc})") from None
    if sorted(set(found)) != sorted(variables) or len(set(variables)) != len(variables):
        raise _err(
            source,
            "base_url",
            f"placeholders {sorted(set(found))} do not match url_variables {variables}",
        )
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", url) or "?" in url or "#" in url:
        raise _err(source, "base_url", f"expected http(s)://host[:port][/path] without a query, got {url!r}")
    if url.endswith("/"):
        raise _err(source, "base_url", "must not end with '/'")


def _err(source: str, field: str, problem: str) -> CatalogError:
    return CatalogError(f"{source}: field '{field}' {problem}")


def _object(data: object, source: str, where: str) -> dict[str, object]:
    if not isinstance(data, dict):
        raise CatalogError(
            f"{source}: {'field ' + repr(where) if where else 'the top level'} must be an object"
        )
    return data


def _keys(
    obj: dict[str, object], allowed: frozenset[str], required: tuple[str, ...], source: str, where: str
) -> None:
    prefix = f"{where}." if where else ""
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise _err(
            source, prefix + unknown[0], f"is not a known field (allowed: {', '.join(sorted(allowed))})"
        )
    for key in required:
        if key not in obj:
            raise _err(source, prefix + key, "is required")


def _str(value: object, source: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _err(source, field, "must be a non-empty string")
    return value


def _ident(value: object, source: str, field: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise _err(source, field, f"must be a lowercase id (letters, digits, '.', '_', '-'), got {value!r}")
    return value


def _bool(value: object, source: str, field: str) -> bool:
    if not isinstance(value, bool):
        raise _err(source, field, f"must be true or false, got {value!r}")
    return value


def _count(value: object, source: str, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _err(source, field, f"must be a positive integer or null, got {value!r}")
    return value


def _money(value: object, source: str, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _err(source, field, f"must be a non-negative number (USD per million tokens), got {value!r}")
    return float(value)


def _str_list(value: object, source: str, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _err(source, field, "must be a list of strings")
    return list(value)


def _str_map(value: object, source: str, field: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _err(source, field, "must be an object of strings")
    return dict(value)


def _headers(value: object, source: str, field: str) -> dict[str, str]:
    headers = _str_map(value, source, field)
    for name in headers:
        if not _HEADER.match(name):
            raise _err(source, f"{field}.{name}", "is not a valid header name")
        if name.lower() in ("authorization", "x-api-key", "x-goog-api-key", "api-key"):
            raise _err(source, f"{field}.{name}", "carries a key: use 'auth' instead")
    return headers


def _enum(kind: type[_E], value: object, source: str, field: str) -> _E:
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    choices = " | ".join(e.value for e in kind)
    raise _err(source, field, f"must be one of {choices}, got {value!r}")
