"""The Providers page's models panel: a provider's models with their context, capabilities and price
(and where the price comes from), and the user's own price set and cleared from it."""

from __future__ import annotations

from app.providers.catalog import Capability, Price
from app.providers.listing import ListedModel
from app.services.model_facts import ModelFactsAdmin
from app.ui.bridge import EventBridge
from app.ui.pages.providers import ProvidersPage
from tests.ui.fake_runtime import FakeRuntime
from tests.ui.test_pages import bridge, seeded, shoot  # noqa: F401  (bridge is a fixture)


def _page(qtbot, runtime: FakeRuntime, bridge: EventBridge) -> ProvidersPage:  # noqa: F811
    page = ProvidersPage(runtime, bridge)
    qtbot.addWidget(page)
    page.resize(1100, 860)
    page.show()
    qtbot.waitExposed(page)
    return page


def _cells(page: ProvidersPage, model_id: str) -> list[str]:
    panel = page.models_panel
    for i, row in enumerate(panel.facts.rows()):
        if row.model_id == model_id:
            return [panel.facts.index(i, c).data() for c in range(panel.facts.columnCount())]
    raise AssertionError(f"{model_id} is not shown")


def _select_provider(page: ProvidersPage, provider_id: str) -> None:
    for i, row in enumerate(page.accounts.rows()):
        if row.provider.id == provider_id:
            page.accounts_view.selectRow(i)
            return
    raise AssertionError(provider_id)


def _with_groq_list(runtime: FakeRuntime) -> FakeRuntime:
    # What Groq's own list said (context and output cap), with one model the catalogue does not know.
    runtime.admin().store.discovered.replace(
        "groq",
        [
            ListedModel("llama-3.3-70b-versatile", context_window=131072, max_output=32768),
            ListedModel(
                "moonshotai/kimi-k2-instruct-0905",
                context_window=262144,
                max_output=16384,
                capabilities=frozenset({Capability.TOOLS}),
                price=None,
            ),
        ],
    )
    return runtime


def test_the_selected_providers_models_show_their_facts_and_price_source(qtbot, fake_runtime, bridge):  # noqa: F811
    page = _page(qtbot, _with_groq_list(seeded(fake_runtime)), bridge)
    assert page.models_panel.facts.rowCount() == 0  # nothing selected yet
    _select_provider(page, "groq")
    expected = ModelFactsAdmin(fake_runtime.admin().store).rows("groq")
    assert [r.model_id for r in page.models_panel.facts.rows()] == [r.model_id for r in expected]
    kimi = _cells(page, "moonshotai/kimi-k2-instruct-0905")
    assert kimi[1:4] == ["262K", "16K", "tools"]
    assert kimi[7] == "unknown"
    llama = next(r for r in expected if r.model_id == "llama-3.3-70b-versatile")
    if llama.facts.price is not None:  # the catalogue's, shown as such
        assert _cells(page, "llama-3.3-70b-versatile")[7] == "catalogue"

    _select_provider(page, "anthropic")
    assert page.models_panel.provider_id == "anthropic"
    assert "claude-opus-4-7" in [r.model_id for r in page.models_panel.facts.rows()]
    assert _cells(page, "claude-opus-4-7")[4:8] == ["$5", "$25", "$0.5", "catalogue"]


def test_setting_and_clearing_your_own_price(qtbot, fake_runtime, bridge):  # noqa: F811
    page = _page(qtbot, _with_groq_list(seeded(fake_runtime)), bridge)
    _select_provider(page, "groq")
    panel = page.models_panel
    assert not panel.save_button.isEnabled()
    panel.select_model("moonshotai/kimi-k2-instruct-0905")
    assert panel.save_button.isEnabled() and not panel.clear_button.isEnabled()
    panel.input_box.setValue(1.0)
    panel.output_box.setValue(3.0)
    panel.save_button.click()
    assert page.message() == (
        "groq/moonshotai/kimi-k2-instruct-0905: $1 in / $3 out per million tokens (yours)."
    )
    assert _cells(page, "moonshotai/kimi-k2-instruct-0905")[4:8] == ["$1", "$3", "—", "yours"]
    (mine,) = fake_runtime.admin().store.model_overrides.list()
    assert (mine.price_input, mine.price_output, mine.price_cached) == (1.0, 3.0, None)
    # The gateway's snapshot sees it after its reload; the facts the panel shows come from the same merge.
    row = next(r for r in ModelFactsAdmin(fake_runtime.admin().store).rows("groq") if r.overridden)
    assert row.facts.price == Price(1.0, 3.0)

    assert panel.clear_button.isEnabled()
    panel.clear_button.click()
    assert page.message() == "groq/moonshotai/kimi-k2-instruct-0905 uses the published price again."
    assert _cells(page, "moonshotai/kimi-k2-instruct-0905")[7] == "unknown"
    assert fake_runtime.admin().store.model_overrides.list() == []


def test_models_panel_screenshot(qtbot, fake_runtime, bridge, tmp_path):  # noqa: F811
    page = _page(qtbot, _with_groq_list(seeded(fake_runtime)), bridge)
    _select_provider(page, "anthropic")
    page.models_panel.select_model("claude-sonnet-4-5")
    shoot(page, "page-providers-models", tmp_path)
