"""The shipped provider catalogue loads and validates; bad files fail naming the file and field."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from app.core.errors import ConfigError
from app.core.records import WireFormat
from app.providers.catalog import (
    AuthScheme,
    Capability,
    CatalogError,
    Category,
    Price,
    builtin_catalog,
    load_catalog,
    parse_provider,
    resources_dir,
)
from app.providers.listing import DIALECTS, lists_prices
from app.services import validation

REQUIRED_IDS = [
    "openai",
    "anthropic",
    "gemini",
    "openrouter",
    "nvidia",
    "deepseek",
    "groq",
    "together",
    "fireworks",
    "mistral",
    "cerebras",
    "xai",
    "perplexity",
    "siliconflow",
    "zai",
    "moonshot",
    "minimax",
    "dashscope",
    "deepinfra",
    "novita",
    "hyperbolic",
    "nebius",
    "chutes",
    "azure",
    "kilo",
    "opencode",
    "agentrouter",
    "kimchi",
    "ollama",
    "lmstudio",
    "vllm",
    "llamacpp",
]

GOOD: dict[str, Any] = {
    "id": "acme",
    "name": "Acme",
    "category": "api_key",
    "format": "openai",
    "base_url": "https://api.acme.test/v1",
    "auth": "bearer",
    "models": [{"id": "m1", "context": 1000, "max_output": 100, "caps": ["tools"], "price": None}],
}


def test_the_shipped_catalogue_loads() -> None:
    catalog = builtin_catalog()
    assert len(catalog) >= 40
    ids = {p.id for p in catalog.providers}
    assert set(REQUIRED_IDS) <= ids


def test_every_provider_is_usable_by_add_provider() -> None:
    for p in builtin_catalog().providers:
        assert validation.provider_id(p.id) == p.id
        assert p.name
        if p.is_template:
            filled = p.render_url(dict.fromkeys(p.url_variables, "x"))
            assert validation.base_url(filled) == filled
        else:
            assert validation.base_url(p.base_url) == p.base_url
        for m in p.models:
            if m.price is not None:
                assert m.price.output >= 0 and m.price.input >= 0


def test_kimchi_is_exactly_the_five_cli_models() -> None:
    kimchi = builtin_catalog().get("kimchi")
    assert kimchi is not None and kimchi.monthly_quota and kimchi.category is Category.FREE
    assert [m.id for m in kimchi.models] == [
        "kimi-k2.7",
        "kimi-k2.6",
        "minimax-m3",
        "nemotron-3-ultra-fp4",
        "glm-5.2-fp8",
    ]
    k27 = kimchi.model("kimi-k2.7")
    assert k27 is not None
    assert (k27.context_window, k27.max_output) == (262144, 262144)
    assert k27.has(Capability.REASONING) and k27.has(Capability.VISION) and not k27.temperature
    nemotron = kimchi.model("nemotron-3-ultra-fp4")
    assert nemotron is not None and nemotron.max_output == 8192 and not nemotron.has(Capability.REASONING)
    glm = kimchi.model("glm-5.2-fp8")
    assert glm is not None and glm.has(Capability.REASONING) and not glm.has(Capability.VISION)
    minimax = kimchi.model("minimax-m3")
    assert minimax is not None and minimax.context_window is not None and minimax.context_window >= 1_000_000


def test_local_servers_need_no_key_and_run_on_localhost() -> None:
    expected = {"ollama": 11434, "lmstudio": 1234, "vllm": 8000, "llamacpp": 8080}
    for pid, port in expected.items():
        p = builtin_catalog().get(pid)
        assert p is not None
        assert p.category is Category.LOCAL and p.auth is AuthScheme.NONE
        assert p.base_url.startswith(f"http://localhost:{port}/")


def test_native_formats_and_auth() -> None:
    catalog = builtin_catalog()
    anthropic, gemini, azure = catalog.get("anthropic"), catalog.get("gemini"), catalog.get("azure")
    assert anthropic is not None and anthropic.wire_format is WireFormat.ANTHROPIC
    assert anthropic.auth is AuthScheme.X_API_KEY and "anthropic-version" in anthropic.headers
    assert gemini is not None and gemini.auth is AuthScheme.X_GOOG_API_KEY
    assert azure is not None and azure.url_variables == ("resource", "deployment")
    assert (
        azure.render_url({"resource": "r", "deployment": "d"})
        == "https://r.openai.azure.com/openai/deployments/d"
    )
    with pytest.raises(ConfigError, match="deployment"):
        azure.render_url({"resource": "r"})


def test_aliases_resolve() -> None:
    catalog = builtin_catalog()
    kimi = catalog.get("kimi")
    assert kimi is not None and kimi.id == "moonshot"
    assert catalog.get("Claude") is catalog.get("anthropic")
    assert catalog.get("nothing-here") is None


def test_passthrough_providers() -> None:
    agentrouter = builtin_catalog().get("agentrouter")
    assert agentrouter is not None and agentrouter.passthrough


def test_model_list_dialects_are_known_and_read_the_published_prices() -> None:
    catalog = builtin_catalog()
    named = {p.id: p.model_list for p in catalog.providers if p.model_list}
    assert set(named.values()) <= set(DIALECTS), named
    # The providers whose own list publishes prices are read by a dialect that knows the unit.
    for pid in ("openrouter", "together", "xai", "novita", "vercel", "requesty"):
        assert lists_prices(named.get(pid)), pid
    assert not lists_prices(named.get("mistral")) and not lists_prices(None)


def test_deepseek_bills_half_outside_its_weekday_peak_hours() -> None:
    deepseek = builtin_catalog().get("deepseek")
    assert deepseek is not None
    flash = deepseek.model("deepseek-flash")
    assert flash is not None and flash.price is not None and flash.price.off_peak is not None
    peak = flash.price
    # 09:00-12:00 and 14:00-18:00 Beijing time (UTC+8, no DST) on weekdays.
    wednesday = datetime(2026, 11, 25, tzinfo=UTC)
    assert peak.at(wednesday.replace(hour=2)) == peak  # 10:00 in Beijing
    assert peak.at(datetime(2026, 11, 25, 15, 30, tzinfo=timezone(timedelta(hours=8)))) == peak
    half = peak.at(wednesday.replace(hour=4))  # 12:00 in Beijing: lunch is off-peak
    assert (half.input, half.output, half.cached_input) == (0.15, 0.6, 0.003)
    assert half.off_peak is None
    assert peak.at(wednesday.replace(hour=10)) == half  # 18:00 in Beijing
    assert peak.at(datetime(2026, 11, 28, 2, tzinfo=UTC)) == half  # Saturday
    plain = Price(1.0, 2.0)
    assert plain.at(wednesday) is plain


def test_the_resource_dir_is_the_checkout_or_the_wheel_copy() -> None:
    found = resources_dir()
    assert (found / "kimchi.json").is_file()


# --- schema errors ----------------------------------------------------------------------------------


def _with(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_with(category="cheap"), "category"),
        (_with(format="cohere"), "format"),
        (_with(auth="basic"), "auth"),
        (_with(id="Bad Id"), "id"),
        (_with(base_url="ftp://x"), "base_url"),
        (_with(base_url="https://x/v1/"), "base_url"),
        (_with(base_url="https://{a}.x/v1"), "base_url"),  # placeholder not declared
        (_with(base_url="https://x/v1", url_variables=["a"]), "base_url"),  # declared, not used
        (_with(headers={"Authorization": "Bearer x"}), "headers.Authorization"),
        (_with(monthly_quota="yes"), "monthly_quota"),
        (_with(key_check="key"), "key_check"),
        (
            _with(
                models=[
                    {
                        "id": "m",
                        "price": {
                            "input": 1,
                            "output": 2,
                            "off_peak": {"factor": 1.5, "peak_utc": ["01:00-04:00"]},
                        },
                    }
                ]
            ),
            "models[0].price.off_peak.factor",
        ),
        (
            _with(
                models=[
                    {
                        "id": "m",
                        "price": {
                            "input": 1,
                            "output": 2,
                            "off_peak": {"factor": 0.5, "peak_utc": ["04:00-01:00"]},
                        },
                    }
                ]
            ),
            "models[0].price.off_peak.peak_utc",
        ),
        (
            _with(
                models=[
                    {
                        "id": "m",
                        "price": {"input": 1, "output": 2, "off_peak": {"factor": 0.5, "peak_utc": []}},
                    }
                ]
            ),
            "models[0].price.off_peak.peak_utc",
        ),
        (_with(model_list="Not An Id"), "model_list"),
        (_with(colour="red"), "colour"),
        (_with(models=[{"id": "m", "context": -1}]), "models[0].context"),
        (_with(models=[{"id": "m", "caps": ["telepathy"]}]), "models[0].caps"),
        (_with(models=[{"id": "m", "price": {"input": 1}}]), "models[0].price.output"),
        (_with(models=[{"id": "m", "price": {"input": "1", "output": 2}}]), "models[0].price.input"),
        (_with(models=[{"id": "m"}, {"id": "m"}]), "models"),
        (_with(models=[{"id": ""}]), "models[0].id"),
    ],
)
def test_schema_errors_name_the_file_and_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_provider(data, "acme.json")
    message = str(caught.value)
    assert message.startswith("acme.json:") and f"'{field}'" in message


def test_a_missing_required_field() -> None:
    data = copy.deepcopy(GOOD)
    del data["auth"]
    with pytest.raises(CatalogError, match=r"acme\.json: field 'auth' is required"):
        parse_provider(data, "acme.json")


def test_a_good_provider_parses() -> None:
    p = parse_provider(GOOD, "acme.json")
    assert p.id == "acme" and p.wire_format is WireFormat.OPENAI and p.models[0].price is None


def test_directory_checks(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no provider files"):
        load_catalog(tmp_path)
    (tmp_path / "acme.json").write_bytes(b"{not json")
    with pytest.raises(CatalogError, match=r"acme\.json: not valid JSON"):
        load_catalog(tmp_path)
    (tmp_path / "acme.json").write_bytes(orjson.dumps(GOOD))
    (tmp_path / "other.json").write_bytes(orjson.dumps(_with(id="acme2")))
    with pytest.raises(CatalogError, match=r"other\.json: field 'id' is 'acme2'"):
        load_catalog(tmp_path)
    (tmp_path / "other.json").write_bytes(orjson.dumps(_with(id="other", aliases=["acme"])))
    with pytest.raises(CatalogError, match="alias 'acme' is already used"):
        load_catalog(tmp_path)
    (tmp_path / "other.json").write_bytes(orjson.dumps(_with(id="other")))
    assert len(load_catalog(tmp_path)) == 2
