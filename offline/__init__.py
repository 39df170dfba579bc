"""The sync protocol (DESIGN §5): the contract in code and idempotent ingest.

Never imports Flask or server/: the server wires its models and domain handlers in."""
