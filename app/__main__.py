"""`python -m app` runs the same entry point as the `vansroute` console script."""

from app.main import main

raise SystemExit(main())
