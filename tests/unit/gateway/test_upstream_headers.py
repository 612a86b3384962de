"""The headers an upstream request carries: the provider's own (catalogue) over ours, never the
client's key."""

from __future__ import annotations

from app import __version__
from app.core.records import WireFormat
from app.gateway.upstream_headers import upstream_headers
from app.providers.catalog import builtin_catalog
from app.providers.profile import profile_for
from app.routing.snapshot import Target


def target(provider_id: str, wire_format: WireFormat, base_url: str | None = None) -> Target:
    catalog = builtin_catalog()
    entry = catalog.get(provider_id)
    url = base_url or (entry.base_url if entry else "http://127.0.0.1:9/v1")
    return Target(
        provider_id=provider_id,
        wire_format=wire_format,
        base_url=url,
        account_id=1,
        account_label="default",
        priority=0,
        api_key="sk-upstream",
        profile=profile_for(catalog, provider_id, wire_format, url),
    )


def test_kimchi_is_called_as_the_kimchi_cli_calls_it() -> None:
    kimchi = target("kimchi", WireFormat.OPENAI)
    assert kimchi.base_url == "https://llm.kimchi.dev/openai/v1"
    headers = upstream_headers(
        kimchi,
        WireFormat.ANTHROPIC,
        {"User-Agent": "claude-cli/2.0", "Authorization": "Bearer vr-local"},
        stream=True,
    )
    assert headers["User-Agent"].startswith("kimchi/")
    assert headers["Authorization"] == "Bearer sk-upstream"  # the account's key, not the caller's
    assert headers["Accept"] == "text/event-stream"


def test_other_providers_get_our_agent_and_their_required_headers() -> None:
    copilot = upstream_headers(
        target("github-copilot", WireFormat.OPENAI), WireFormat.OPENAI, {}, stream=False
    )
    assert copilot["User-Agent"] == f"VansRoute/{__version__}"
    assert copilot["Copilot-Integration-Id"] == "vscode-chat"
    custom = upstream_headers(target("acme", WireFormat.OPENAI), WireFormat.OPENAI, {}, stream=False)
    assert custom["User-Agent"] == f"VansRoute/{__version__}" and custom["Accept"] == "application/json"


def test_anthropic_betas_pass_only_from_an_anthropic_client() -> None:
    claude = target("anthropic", WireFormat.ANTHROPIC)
    client = {"anthropic-beta": "context-1m-2025-08-07", "anthropic-version": "2023-06-01"}
    assert upstream_headers(claude, WireFormat.ANTHROPIC, client, stream=False)["anthropic-beta"] == (
        "context-1m-2025-08-07"
    )
    from_openai = upstream_headers(claude, WireFormat.OPENAI, client, stream=False)
    assert "anthropic-beta" not in from_openai and from_openai["x-api-key"] == "sk-upstream"
