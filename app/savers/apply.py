"""The savers' single entry point for the gateway.

    result = apply_savers(body, fmt, options)
    if result.changed:
        body = result.body          # else keep relaying the client's bytes untouched

Synchronous, pure and fast (no I/O, no clock): RTK over every tool result, then the Caveman/Ponytail
addition to the system prompt. Headroom, which needs the network, is a separate async step
(headroom.py).

Every tool result in the body is compressed, not only those new since the last assistant turn: the
compression of a result depends only on that result and its tool call, so an old result comes out
exactly as it did on the turn it was new, and the prefix the provider cached stays byte-identical.
docs/SAVERS.md explains why compressing only the new results would break that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.records import WireFormat
from app.savers import prompts
from app.savers.options import Saver, SaverOptions
from app.savers.rtk.engine import compress_output
from app.savers.tool_results import Rewrite, rewrite_tool_results


@dataclass(frozen=True, slots=True)
class SaverResult:
    """`body` is the client's own dict when `changed` is False."""

    body: dict[str, Any]
    changed: bool
    rewrites: tuple[Rewrite, ...] = ()
    prompt_added: str = ""  # the Caveman/Ponytail text appended to the system prompt, if any
    failure: str = ""  # why an optional step (Headroom) was skipped, for the log; never the content

    @property
    def chars_before(self) -> int:
        return sum(len(rewrite.before) for rewrite in self.rewrites)

    @property
    def chars_after(self) -> int:
        return sum(len(rewrite.after) for rewrite in self.rewrites)

    def tokens(self, count: Callable[[str], int]) -> tuple[int, int]:
        """Tokens of the replaced tool results before and after, with the caller's tokenizer (the
        gateway passes app.formats.token_count.count_text). Costs about as much as tokenising the
        texts, so call it off the request path."""
        return (
            sum(count(rewrite.before) for rewrite in self.rewrites),
            sum(count(rewrite.after) for rewrite in self.rewrites),
        )


def apply_savers(body: dict[str, Any], fmt: WireFormat, options: SaverOptions) -> SaverResult:
    if not options.enabled or not options.savers:
        return SaverResult(body, False)
    new_body = body
    rewrites: tuple[Rewrite, ...] = ()
    if options.uses(Saver.RTK):
        new_body, rewrites = rewrite_tool_results(new_body, fmt, compress_output)
    added = prompts.addition(options)
    if added:
        with_prompt = prompts.inject(new_body, fmt, added)
        if with_prompt is None:
            added = ""
        else:
            new_body = with_prompt
    return SaverResult(new_body, new_body is not body, rewrites, added)
