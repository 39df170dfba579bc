"""gunicorn entry for the fault tests: the app of wsgi.py with the pause of slow_ingest.py
(CHECKPOINT_TEST_SLOW_INGEST_MS, read here, never by the product)."""
import os

from tests.harden.slow_ingest import pause_before_sync_commits
from wsgi import app

pause_before_sync_commits(int(os.environ["CHECKPOINT_TEST_SLOW_INGEST_MS"]))

__all__ = ["app"]
