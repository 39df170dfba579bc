"""For the fault tests only: a pause inside each sync request's write transaction, after its
writes and before its commit, so that a test can kill the worker (or cut its database
connection) with a batch written but not committed. It hooks the session from outside; the
product has no test switch."""
import time

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

SYNC_PATH = "/api/v1/sync"


def pause_before_sync_commits(ms: int):
    """Install the pause on every session; returns the function that removes it."""
    def pause(_session):
        if has_request_context() and request.path == SYNC_PATH:
            time.sleep(ms / 1000)

    event.listen(Session, "before_commit", pause)
    return lambda: event.remove(Session, "before_commit", pause)
