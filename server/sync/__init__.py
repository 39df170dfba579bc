"""Applying the records phones send (DESIGN §3): the handlers' registry and plan (records.py), the
batch's look-ups (reads.py), wide statements (bulk.py), who a record is about (identify.py), and
the last-resort hand-over file (handover.py). The route is api/sync.py."""
