from __future__ import annotations

import logging

import pytest

from app.core.redact import RedactingFilter, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop"),
        ("the key vr-AbCdEfGhIjKlMnOp was used", "vr-AbCdEfGhIjKlMnOp"),
        ("sk-proj-1234567890abcdef failed", "1234567890abcdef"),
        ('{"api_key": "hunter2hunter2"}', "hunter2hunter2"),
        ("postgresql+psycopg://user:s3cret@db/x", "s3cret"),
        ("x-goog-api-key: AIzaSyA1234567890", "AIzaSyA1234567890"),
    ],
)
def test_secrets_are_masked(text: str, secret: str) -> None:
    assert secret not in redact(text)


def test_plain_text_is_untouched() -> None:
    text = "provider 'openai' answered 429 after 12.5 ms"
    assert redact(text) == text


def test_filter_masks_messages_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    caplog.handler.addFilter(RedactingFilter())
    try:
        try:
            raise ValueError("upstream said: invalid key sk-live-abcdefghijklmn")
        except ValueError:
            logger.exception("call failed with Bearer %s", "tok-abcdefghijkl")
    finally:
        logger.removeHandler(handler)
    text = caplog.text
    assert "tok-abcdefghijkl" not in text
    assert "sk-live-abcdefghijklmn" not in text
    assert "call failed" in text
