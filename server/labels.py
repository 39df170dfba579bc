"""The one place that turns stored codes into words people read: roles, statuses, results,
directions, tags, flag kinds, error codes, record fields... (a page never shows `handed_over`,
`elderly-alone` or `False`).

Labels are lazy: they are translated when shown, in the language of the request (Chinese
unless the browser asks for English), or in Chinese for the Chinese exports (`chinese()`).
Templates use `label(enum, value)` and `fact(key, value)`; Python code `label()` too."""
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale, get_locale, lazy_gettext as _l

from offline.rules import TEMPERATURE_MAX, TEMPERATURE_MIN

from .clock import local_time

LABELS: dict[str, dict[str, object]] = {
    "role": {"volunteer": _l("Gate volunteer"), "clerk": _l("Sampling clerk"),
             "supervisor": _l("Supervisor"), "admin": _l("Administrator")},
    "site_kind": {"gate": _l("Gate"), "sampling_point": _l("Sampling point")},
    "tube_status": {"open": _l("open"), "sealed": _l("sealed"), "packed": _l("packed"),
                    "handed_over": _l("handed over"), "resulted": _l("resulted")},
    "result": {"negative": _l("Negative"), "positive": _l("Positive"), "invalid": _l("Invalid")},
    "retest_status": {"pending": _l("To contact"), "contacted": _l("Contacted"),
                      "retested": _l("Retested"), "closed": _l("Closed")},
    "direction": {"in": _l("In"), "out": _l("Out")},
    "turn_back_reason": {"outsider": _l("outsider"), "no_pass": _l("no pass"), "fever": _l("fever"),
                         "other": _l("other")},
    "doc_type": {"cn_ric": _l("ID card"), "passport": _l("Passport"),
                 "hk_mo_permit": _l("HK/Macao permit"), "tw_permit": _l("Taiwan permit"),
                 "other": _l("Other")},
    # Roster tags (an import may bring others: they are shown as written).
    "tag": {"elderly-alone": _l("Elderly living alone"), "disabled": _l("Disabled"),
            "home-quarantine": _l("Home quarantine"), "chronic": _l("Chronically ill"),
            "pregnant": _l("Pregnant")},
    "slot": {"morning": _l("Morning"), "evening": _l("Evening")},
    "placement_kind": {"quarantine": _l("Home quarantine"), "monitoring": _l("Health monitoring")},
    "problem_status": {"open": _l("Open"), "closed": _l("Closed")},
    "registration_status": {"pending": _l("Awaiting confirmation"), "confirmed": _l("Confirmed"),
                            "rejected": _l("Not confirmed")},
    "work_group": {"data_checking": _l("Data checking"), "reporting": _l("Reporting"),
                   "sampling": _l("Sampling"), "data_summary": _l("Data summary"),
                   "home_service": _l("Home service"), "gate_control": _l("Gate control")},
    "work_group_role": {"lead": _l("Group lead"), "helper": _l("Helper"), "member": _l("Member")},
    "need": {"medicine": _l("Medicine"), "groceries": _l("Groceries"),
             "door_sampling": _l("Door-to-door sampling"), "other": _l("Other")},
    "need_kind": {"meal": _l("Meal"), "rubbish": _l("Rubbish"), "medicine": _l("Medicine"),
                  "other": _l("Other")},
    "import_column": {"tube": _l("Tube barcode"), "result": _l("Result"),
                      "reported_at": _l("Reported at")},
    "export_kind": {"tubes": _l("Tubes with members"), "gate": _l("Gate log"),
                    "retests": _l("Retest list")},
    "bool": {True: _l("Yes"), False: _l("No")},
    # What the board and the task lists show: Flags (warnings of the sync contract and the
    # ledgers' alerts) and the board's live checks.
    "flag_kind": {
        "tube_open_too_long": _l("Tubes open too long"),
        "tube_under_filled": _l("Tubes sealed under-filled"),
        "tube_over_capacity": _l("Tubes over capacity"),
        "person_sampled_twice_today": _l("Same person in two tubes"),
        "person_in_tube_twice": _l("Same person twice in a tube"),
        "tube_reused_other_site": _l("Tubes reused across sites"),
        "tube_not_boxed": _l("Sealed tubes not boxed"),
        "box_not_handed_over": _l("Boxes not handed over"),
        "box_not_received": _l("Boxes handed over, not received by the lab"),
        "tube_received_without_box": _l("Tubes received by the lab without their box"),
        "tube_without_result": _l("Tubes without a lab result"),
        "lab_result_unknown_tube": _l("Lab results for unknown tubes"),
        "sync_rejection_waiting": _l("Sync rejections waiting for correction"),
        "device_unsynced": _l("Phones holding unsynced records"),
        "seq_gap": _l("Phones with records never delivered"),
        "tube_already_sealed": _l("Samples added to a sealed tube"),
        "tube_not_opened": _l("Samples into a tube never opened"),
        "clock_skew": _l("Phone clocks wrong"),
        "fever": _l("Fever at a gate"),
        "watch_list": _l("Watch list at a gate"),
        "tube_reopened": _l("Tubes reopened"),
        "quarantine_report_missed": _l("Missed quarantine temperature reports"),
        "quarantine_fever": _l("Fever under home quarantine"),
        "door_opened_quarantine": _l("Door opened in a quarantined household"),
        "shift_understaffed": _l("Duty shifts short of people"),
        "gate_uncovered": _l("Gate hours with no duty shift"),
    },
    "weekday": {0: _l("Monday"), 1: _l("Tuesday"), 2: _l("Wednesday"), 3: _l("Thursday"),
                4: _l("Friday"), 5: _l("Saturday"), 6: _l("Sunday")},
    "record_type": {"gate_entry": _l("Gate passage"), "tube_open": _l("Tube opened"),
                    "sample": _l("Sample"), "sample_void": _l("Sample removed"),
                    "tube_seal": _l("Tube sealed"), "box_pack": _l("Tube packed in a box"),
                    "box_handover": _l("Box handed over"), "record_discard": _l("Record discarded"),
                    "tube_reopen": _l("Tube reopened"),
                    "temperature_reading": _l("Temperature reading"),
                    "visit_note": _l("Visit note"), "need_done": _l("Household need done")},
    # What the sync contract answers for each record (DESIGN §5), e.g. on the hand-over page.
    "sync_status": {"accepted": _l("Accepted"), "duplicate": _l("Already received (duplicate)"),
                    "conflict": _l("Conflict"), "rejected": _l("Rejected")},
    # Why the server refused a record (offline/protocol.py); the message beside the code is
    # the developer's English explanation, shown to English readers only.
    "error_code": {"invalid_id_number": _l("Invalid ID number"),
                   "invalid_tube_barcode": _l("Invalid tube barcode"),
                   "unknown_type": _l("Unknown record type"),
                   "invalid_field": _l("Invalid or missing value"),
                   "unknown_site": _l("Unknown site"),
                   "forbidden_site": _l("Site of another community"),
                   "temperature_out_of_range": _l("Temperature out of range (%(low)s–%(high)s °C)",
                                                   low=TEMPERATURE_MIN, high=TEMPERATURE_MAX)},
    # Fields of the records (the `field` of a refusal), by their last part.
    "field": {"id": _l("Record id"), "seq": _l("Sequence number"), "type": _l("Record type"),
              "recorded_at": _l("Time recorded"), "data": _l("Record content"),
              "site_id": _l("Site"), "direction": _l("Direction"), "person": _l("Person"),
              "code": _l("Personal code"), "doc_type": _l("Document type"),
              "doc_number": _l("Document number"), "name": _l("Name"), "phone": _l("Phone"),
              "temperature_c": _l("Temperature"), "vehicle_plate": _l("Vehicle plate"),
              "turned_back": _l("Turned back"), "reason": _l("Reason"), "note": _l("Note"),
              "visitor": _l("Visitor"), "remeasure_of": _l("Re-measured"),
              "sent_to_sample": _l("Sent to be sampled"),
              "tube": _l("Tube barcode"), "capacity": _l("Capacity"), "box": _l("Transfer box"),
              "courier": _l("Courier"), "sample_record_id": _l("Sample"),
              "record_id": _l("Record id"), "placement_id": _l("Placement"),
              "need_id": _l("Household need"), "done": _l("Done"), "slot": _l("Slot"),
              "day": _l("Day")},
}

# Facts stored with a Flag or a board item (`detail`): their names, and which enum (or kind
# of value) each holds.
FACT_LABELS = {
    "tube": _l("Tube"), "tubes": _l("Tubes"), "box": _l("Box"), "result": _l("Result"),
    "device": _l("Phone"), "pending": _l("Pending"), "type": _l("Record"), "code": _l("Code"),
    "field": _l("Field"), "message": _l("Message"), "missing": _l("Missing records"),
    "max_seq": _l("Highest seq"), "building": _l("Building"), "unit": _l("Unit"),
    "room": _l("Room"), "day": _l("Day"), "slot": _l("Slot"), "opened_at": _l("Opened at"),
    "temperature": _l("Temperature"), "temperature_c": _l("Temperature"),
    "turned_back": _l("Turned back"), "direction": _l("Direction"), "status": _l("Status"),
    "status_before": _l("Status before"), "reason": _l("Reason"), "capacity": _l("Capacity"),
    "tube_site_id": _l("Tube of site"), "recorded_at": _l("Time recorded"),
    "received_at": _l("Time received"), "due_at": _l("Deadline"),
    "phone_time": _l("Phone's time"), "counted_at": _l("Counted at (received)"),
    "records": _l("Records"),
    "shift": _l("Duty shift"), "rostered": _l("Rostered"), "needed": _l("Needed"),
}
FACT_ENUMS = {"result": "result", "type": "record_type", "code": "error_code", "field": "field",
              "slot": "slot", "turned_back": "bool", "direction": "direction",
              "status": "tube_status", "status_before": "tube_status"}
FACT_TIMES = ("opened_at", "recorded_at", "received_at", "due_at")
# Facts that only help the code (references, ids, what the line already shows).
HIDDEN_FACTS = ("ref", "due_at", "filled", "capacity", "placement", "sensor", "name")


_TRANSLATED: dict[tuple[str, str], dict] = {}


def words(enum: str) -> dict:
    """{value: words} of an enum in the current language (translated once per language: an
    export labels thousands of rows)."""
    key = (enum, str(get_locale()))
    table = _TRANSLATED.get(key)
    if table is None:
        table = _TRANSLATED[key] = {value: str(text) for value, text in LABELS[enum].items()}
    return table


def label(enum: str, value) -> str:
    """The words for `value` of `enum` in the current language; unknown values (free text a
    user typed, a tag an import brought) are shown as they are."""
    if value is None or value == "":
        return ""
    table = words(enum)
    if enum == "field" and isinstance(value, str):
        return table.get(value) or table.get(value.rsplit(".", 1)[-1]) or table["data"]
    found = table.get(value)
    return found if found is not None else str(value)


def labeller(enum: str):
    """label() for one enum, its words looked up once: for the rows of an export."""
    table = words(enum)
    return lambda value: "" if value is None or value == "" else table.get(value, str(value))


def labels_of(enum: str) -> list[tuple[str, str]]:
    """(value, words) of every value of an enum, in the table's order (select options)."""
    return list(words(enum).items())


def fact(key: str, value, sites: dict | None = None) -> tuple[str, str]:
    """(name, value) of one stored fact as a reader sees it."""
    name = str(FACT_LABELS.get(key, label("field", key)))
    if key in FACT_ENUMS:
        if key == "turned_back" and isinstance(value, str):
            value = value.lower() == "true"
        return name, label(FACT_ENUMS[key], value)
    if key in FACT_TIMES and isinstance(value, str):
        try:
            return name, local_time(datetime.fromisoformat(value))
        except ValueError:
            return name, value
    if key in ("temperature", "temperature_c") and value not in (None, ""):
        return name, f"{value} °C"
    if key == "tube_site_id" and sites is not None:
        return name, str(sites.get(value, value))
    if isinstance(value, bool):
        return name, label("bool", value)
    if isinstance(value, (date, Decimal)):
        return name, str(value)
    return name, "" if value is None else str(value)


def shown_facts(facts: dict, *, skip=(), sites: dict | None = None) -> list[tuple[str, str]]:
    """The facts of a Flag or board item worth a line, labelled, in their stored order. The
    refusal's English message is shown to English readers only (its code says it in words)."""
    english = str(get_locale()).startswith("en")
    return [fact(key, value, sites) for key, value in (facts or {}).items()
            if key not in HIDDEN_FACTS and key not in skip and (key != "message" or english)]


@contextmanager
def chinese():
    """Words in Chinese whatever the request asked: the exports' headers are Chinese, so are
    their values (for the district system and the lab)."""
    with force_locale(current_app.config.get("EXPORT_LOCALE", "zh_CN")):
        yield


def init_app(app) -> None:
    app.jinja_env.globals.update(label=label, labels_of=labels_of, fact=fact, shown_facts=shown_facts)


def natural_key(key):
    """Sort key of building labels as people count them: "2-10" after "2-9"."""
    # isascii: "²".isdigit() is True, int("²") fails.
    return tuple((0, int(p), "") if p.isascii() and p.isdigit() else (1, 0, p)
                 for part in key for p in part.split("-"))
