from __future__ import annotations

from app.savers.rtk.paths import noise_root


def test_noise_root() -> None:
    assert noise_root("./node_modules/a/index.js") == "./node_modules/"
    assert noise_root("src/__pycache__/x.pyc") == "src/__pycache__/"
    assert noise_root("node_modules") is None  # the directory itself is listed, its contents are not
    assert noise_root("node_modules/") == "node_modules/"
    assert noise_root("src/app.py") is None
