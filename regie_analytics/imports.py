"""The old name of :mod:`regie_analytics.ingest`, kept importable for one release.

``import regie_analytics.imports`` gives the very same module object as
``regie_analytics.ingest``; new code imports ``ingest`` (ruff's banned-api rule says so).
"""

import sys

from regie_analytics import ingest

sys.modules[__name__] = ingest
