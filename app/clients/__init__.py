"""Config writers for the coding tools (Claude Code, Codex, OpenCode, …): one module per tool.

A leaf package used only by app.services. Each writer edits only the keys VansRoute owns in a tool's
own file, keeps everything else byte for byte, backs the file up first, writes atomically, refuses to
clobber a concurrent edit and can put the original back exactly.
"""
