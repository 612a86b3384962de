from __future__ import annotations

from app.savers.rtk import install_pip

PIP = """Collecting aiohttp
  Downloading aiohttp-3.14.5-cp311-cp311-manylinux_2_17_x86_64.whl.metadata (7.9 kB)
Collecting yarl<2.0,>=1.17.0 (from aiohttp)
  Using cached yarl-1.23.0-cp311-cp311-manylinux_2_17_x86_64.whl.metadata (80 kB)
Requirement already satisfied: idna>=2.0 in ./.venv/lib/python3.11/site-packages (from yarl<2.0,>=1.17.0->aiohttp) (3.20)
   ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 1.7/1.7 MB 12.0 MB/s eta 0:00:00
WARNING: Skipping page https://example.invalid because of an error
Would install aiohttp-3.14.5 yarl-1.23.0 multidict-6.7.0 frozenlist-1.8.0 propcache-0.4.1 aiosignal-1.4.0
"""


def test_progress_goes_results_and_warnings_stay() -> None:
    out = install_pip.compress(PIP)
    assert out.split("\n")[0] == "pip: 2 collected, 1 already satisfied"
    assert "WARNING: Skipping page" in out
    assert (
        "Would install aiohttp-3.14.5 yarl-1.23.0 multidict-6.7.0 frozenlist-1.8.0 propcache-0.4.1 aiosignal-1.4.0"
        in out
    )
    assert "Downloading" not in out and "━" not in out and "Using cached" not in out


def test_the_package_list_is_never_cut() -> None:
    packages = " ".join(f"package{i}-1.0" for i in range(200))
    assert f"Successfully installed {packages}" in install_pip.compress(
        f"Collecting x\nSuccessfully installed {packages}\n"
    )
