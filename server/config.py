"""Configuration: defaults, then instance/config.py, then CHECKPOINT_* environment variables."""
import os

from offline.protocol import MAX_BODY_BYTES, MAX_RECORDS

DEFAULTS = {
    "SECRET_KEY": None,  # required; generated into the instance config by `checkpoint init`
    "DATA_KEY": None,  # base64 32 bytes: AES-GCM key for personal data
    "HASH_KEY": None,  # base64 32 bytes: HMAC key for look-ups of document numbers
    "BACKUP_KEY": None,  # age identity (AGE-SECRET-KEY-1...): encrypts `checkpoint backup` files
    # base64 PKCS#8 P-256 private key: opens phones' hand-over files (server/sync/handover.py)
    "HANDOVER_KEY": None,
    "SQLALCHEMY_DATABASE_URI": None,  # default: sqlite file in the instance folder
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    # The local zone: days are counted and times shown in it (server/clock.py; Babel's too).
    "DISPLAY_TIMEZONE": "Asia/Shanghai",
    # Login throttling counts in the database, across every worker (server/ratelimit.py).
    "RATELIMIT_STORAGE_URI": "checkpointdb://",
    "RATELIMIT_HEADERS_ENABLED": True,
    # Wrong PINs (server/auth/throttle.py), page and device login together: per account, and
    # per address with a ceiling for 50 phones sharing one NAT (a gate's or a site's Wi-Fi).
    "LOGIN_RATE_LIMIT": "10 per 5 minutes",
    "LOGIN_ADDRESS_RATE_LIMIT": "100 per 5 minutes",
    # Photos sent for decoding, per device: a clerk falls back to photos now and then,
    # an ID-card read costs 1-3 s of CPU, so a burst is fine and a flood is not.
    "SCAN_RATE_LIMIT": "30 per minute",
    # Public self-registration, per address.
    "REGISTER_RATE_LIMIT": "10 per hour",
    "DEVICE_TOKEN_DAYS": 30,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    # Shared phones: a page session unused this long is logged out (server/sessions.py).
    "SESSION_IDLE_MINUTES": 30,
    # ... and any page session ends this long after its login, however busy (a shift).
    "SESSION_MAX_HOURS": 12,
    # Reverse proxies in front of the app whose X-Forwarded-* headers we believe (0: none).
    "TRUSTED_PROXIES": 0,
    "WTF_CSRF_TIME_LIMIT": None,  # tokens tied to the session; phones stay offline for hours
    # Flask-WTF's Referer-only HTTPS check is replaced by the Origin check of csrf_origin.py.
    "WTF_CSRF_SSL_STRICT": False,
    "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
    # A sync request's limits, the contract's (DESIGN §5, offline/protocol.py): 413 beyond them.
    "SYNC_MAX_RECORDS": MAX_RECORDS,
    "SYNC_MAX_BYTES": MAX_BODY_BYTES,
    "FEVER_THRESHOLD_C": 37.3,
    # The gate says "no sample for more than N hours" past this (server/gate/status.py).
    "SAMPLE_MAX_AGE_HOURS": 48,
    # A record's time more than this ahead of the server's, or older than a record can wait on
    # a phone, means the phone's clock is wrong: the record is counted when received, flagged.
    "CLOCK_SKEW_SECONDS": 600,
    "CLOCK_MAX_AGE_DAYS": 7,
    # The supervisor board's deadlines in minutes (seal a tube, box it, hand the box over,
    # get the lab result, phones sync what they hold) and how far back its checks look.
    "SUPERVISOR_DEADLINES": {"seal": 30, "box": 60, "handover": 120, "result": 240, "sync": 90,
                             "lab": 120},  # lab: handed over -> received by the lab
    "SUPERVISOR_LOOKBACK_HOURS": 72,
    # The board's 30 s refresh reuses its live checks this long per community and worker.
    "BOARD_CACHE_SECONDS": 5,
    # Duty shifts short of people, and gate hours with no shift, show on the board this long
    # before they start (server/supervisor/checks.py).
    "ROSTER_LOOKAHEAD_HOURS": 36,
    "RESULTS_IMPORT_CHUNK": 1000,
    # Home quarantine ledger (server/ledgers/quarantine.py): default length in days, the local
    # time each report slot closes, how long a worker has to follow a missed report, how far
    # back the missed-report check looks, how long a resident's self-report link lasts.
    "QUARANTINE_DAYS": 14,
    "QUARANTINE_SLOT_CLOSE": {"morning": "12:00", "evening": "22:00"},
    "QUARANTINE_MISSED_DEADLINE_MINUTES": 60,
    "QUARANTINE_LOOKBACK_DAYS": 3,
    "QUARANTINE_LINK_DAYS": 60,
    # A quarantined household's daily needs, as local times: three meals and the rubbish.
    "HOUSEHOLD_NEED_TIMES": {"meal": ["07:30", "11:30", "17:30"], "rubbish": ["19:00"]},
    # Minutes a ledger alert may stay open from its own time before the board shows it late
    # (a Flag whose detail names a due_at counts from that instead).
    "LEDGER_DEADLINES": {"door_opened_quarantine": 15, "quarantine_fever": 30},
    # How often an open "my tasks" page asks whether a new alert was routed to its worker.
    "TASKS_POLL_SECONDS": 4,
    # Self-reports (POSTs; page views are free) per address, sized for a carrier's NAT, and
    # per link (one resident).
    "SELF_REPORT_RATE_LIMIT": "120 per hour",
    "SELF_REPORT_LINK_RATE_LIMIT": "10 per hour",
    # `checkpoint scheduler` (server/scheduler/): how often it wakes (and beats), how long a
    # claim on a job holds if it dies mid-run, when its silence makes health "degraded", and
    # per-job intervals in seconds over server/scheduler/jobs.py's defaults (0 turns one off).
    "SCHEDULER_TICK_SECONDS": 30.0,
    "SCHEDULER_LEASE_SECONDS": 600,
    "SCHEDULER_SILENT_SECONDS": 300,
    "SCHEDULER_INTERVALS": {},
    # /api/v1/health and `checkpoint doctor`: the disk is "nearly full" under either.
    "MIN_FREE_DISK_MB": 500,
    "MIN_FREE_DISK_PERCENT": 5,
    # Door sensors (server/ledgers/doors.py): accepted clock difference of a signed event, and
    # the window in which openings of one household make one Flag.
    "DOOR_EVENT_MAX_AGE_SECONDS": 300,
    # An event's own occurred_at: at most this old (a platform's backlog), never in the future
    # beyond DOOR_EVENT_MAX_AGE_SECONDS.
    "DOOR_EVENT_OLDEST_DAYS": 7,
    "DOOR_DEDUP_MINUTES": 5,
}

# Environment variables that may override a setting (CHECKPOINT_<NAME>).
ENV_SETTINGS = {
    "SECRET_KEY": str,
    "DATA_KEY": str,
    "HASH_KEY": str,
    "BACKUP_KEY": str,
    "HANDOVER_KEY": str,
    "DATABASE_URL": str,
    "RATELIMIT_STORAGE_URI": str,
    "LOGIN_RATE_LIMIT": str,
    "LOGIN_ADDRESS_RATE_LIMIT": str,
    "SCAN_RATE_LIMIT": str,
    "REGISTER_RATE_LIMIT": str,
    "DEVICE_TOKEN_DAYS": int,
    "FEVER_THRESHOLD_C": float,
    "DISPLAY_TIMEZONE": str,
    "SAMPLE_MAX_AGE_HOURS": float,
    "BOARD_CACHE_SECONDS": int,
    "ROSTER_LOOKAHEAD_HOURS": int,
    "SESSION_COOKIE_SECURE": lambda v: v.lower() in ("1", "true", "yes"),
    "SESSION_IDLE_MINUTES": int,
    "SESSION_MAX_HOURS": float,
    "TRUSTED_PROXIES": int,
    "SCHEDULER_TICK_SECONDS": float,
    "MIN_FREE_DISK_MB": int,
    "SCHEDULER_INTERVALS": lambda v: {name.strip(): float(seconds) for name, _, seconds in
                                      (pair.partition("=") for pair in v.split(",") if pair.strip())},
}


def from_environment(environ=os.environ) -> dict:
    """Settings given as CHECKPOINT_* variables, converted to their types."""
    found = {}
    for name, convert in ENV_SETTINGS.items():
        value = environ.get(f"CHECKPOINT_{name}")
        if value:
            key = "SQLALCHEMY_DATABASE_URI" if name == "DATABASE_URL" else name
            found[key] = convert(value)
    return found
