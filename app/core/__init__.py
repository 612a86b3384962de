"""Stdlib-only building blocks: value types, the error tree, events, clock, task spawning."""
