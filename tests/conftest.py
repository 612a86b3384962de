"""Settings for the whole suite.

Hypothesis: the suite runs on shared two-core machines where one draw can take a second while the
other core builds the bundle or runs Claude Code; its timing checks (the per-example deadline and the
"input generation is slow" health check) then fail tests that are correct. They are off for every
property test; the properties and example counts are unchanged.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile("vansroute", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("vansroute")
