"""``python -m regie_analytics``: the command line."""

from regie_analytics.cli import main

raise SystemExit(main())
