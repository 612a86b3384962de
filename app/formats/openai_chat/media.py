"""Files as Chat Completions carries them: the filename OpenAI requires for an inline file when the
canonical part has none. (`data:` URLs are read and written by `app.formats.data_urls`.)"""

from __future__ import annotations


def _default_filename(media_type: str | None) -> str:
    if media_type == "application/pdf" or media_type is None:
        return "document.pdf"
    if media_type.startswith("text/"):
        return "document.txt"
    return "document"
