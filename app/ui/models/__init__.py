"""Qt item models over the frozen dataclasses services return."""
