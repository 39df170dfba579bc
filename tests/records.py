"""Builders of sync records as a phone makes them."""
import uuid
from datetime import datetime, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8))
VALID_IDS = ("11010519491231002X", "110101199003074477", "310104198001011234")


def valid_id(n: int) -> str:
    """The n-th fictitious but valid ID number (GB 11643 checksum)."""
    from stdnum.cn import ric

    body = f"110105{19500101 + (n % 28) + 100 * (n // 28 % 12) + 10000 * (n // 336 % 50)}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def record(type_, data, seq=None, id_=None, recorded_at=None):
    when = recorded_at or datetime.now(SHANGHAI)
    return {"id": id_ or str(uuid.uuid4()), "seq": seq, "type": type_,
            "recorded_at": when.isoformat(timespec="milliseconds"), "data": data}


def gate_entry(site_id, seq=None, temperature=36.5, person=None, **extra):
    data = {"site_id": site_id, "direction": "in", "temperature_c": temperature, **extra}
    if person:
        data["person"] = person
    return record("gate_entry", data, seq=seq)


def batch(device_id, records, pending=0):
    return {"device_id": device_id, "app_version": "test", "pending": pending, "records": records}


def person(doc_number, name=None):
    return {"doc_type": "cn_ric", "doc_number": doc_number, **({"name": name} if name else {})}


def tube_open(site_id, tube, capacity=None, **kw):
    return record("tube_open", {"site_id": site_id, "tube": tube,
                                **({"capacity": capacity} if capacity else {})}, **kw)


def sample(site_id, tube, who, **kw):
    return record("sample", {"site_id": site_id, "tube": tube, "person": who}, **kw)


def sample_void(sample_record_id, reason=None, **kw):
    return record("sample_void", {"sample_record_id": sample_record_id,
                                  **({"reason": reason} if reason else {})}, **kw)


def tube_seal(site_id, tube, **kw):
    return record("tube_seal", {"site_id": site_id, "tube": tube}, **kw)


def tube_reopen(site_id, tube, reason, **kw):
    return record("tube_reopen", {"site_id": site_id, "tube": tube, "reason": reason}, **kw)


def box_pack(site_id, box, tube, **kw):
    return record("box_pack", {"site_id": site_id, "box": box, "tube": tube}, **kw)


def box_handover(site_id, box, courier=None, **kw):
    return record("box_handover", {"site_id": site_id, "box": box,
                                   **({"courier": courier} if courier else {})}, **kw)
