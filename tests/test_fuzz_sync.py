"""The sync API fuzzed (Hypothesis): whatever a broken or hostile phone sends, never a 500 (nor
a 503 from data the database chokes on), and every refusal carries a code and a message."""
import json
import os
import uuid
from collections import Counter
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offline.protocol import RECORD_TYPES
from tests.records import SHANGHAI, VALID_IDS

EXAMPLES = int(os.environ.get("CHECKPOINT_FUZZ_EXAMPLES", "250"))
STATUSES = {"accepted", "duplicate", "conflict", "rejected"}

NASTY = [
    "", " ", "\x00", "a\x00b", "\x1b[31m", "\u202e", "\ud800", "\udfff", "x" * 10_240,
    "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002x", "110105491231002",
    "110105194912310021", "=cmd|' /C calc'!A0", "+1-2", "@SUM(1+1)", "nan", "NaN", "inf",
    "-Infinity", "1e999", "36.5", "36,5", "３６.５", "2022-05-06", "京A12345", "CP1:", "CP1:" + "a" * 300,
    "<script>alert(1)</script>", "' OR 1=1 --", "null", "[]", "{}",
]
text = st.one_of(st.text(max_size=30), st.sampled_from(NASTY))
leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**60),
                 st.floats(allow_nan=True, allow_infinity=True), text)
junk = st.recursive(leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=10)
doc_number = st.one_of(text, st.sampled_from(VALID_IDS), st.from_regex(r"\A[0-9]{17}[0-9Xx]\Z"))
person = st.one_of(
    junk,
    st.fixed_dictionaries({"doc_type": st.one_of(st.sampled_from(
        ["cn_ric", "passport", "hk_mo_permit", "tw_permit", "other"]), text),
        "doc_number": doc_number}, optional={"name": text, "phone": text}),
    st.fixed_dictionaries({"code": st.one_of(text, junk)}))
temperature = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True),
                        st.floats(min_value=34, max_value=43), st.integers(), text)


def records(site_id):
    number = st.one_of(st.just(site_id), st.integers(), junk)
    gate = st.fixed_dictionaries(
        {"site_id": number, "direction": st.one_of(st.sampled_from(["in", "out", "IN"]), junk)},
        optional={"person": person, "temperature_c": temperature, "vehicle_plate": text,
                  "turned_back": junk, "reason": st.one_of(st.sampled_from(
                      ["outsider", "fever"]), text), "note": text, "visitor": junk,
                  "remeasure_of": text})
    when = st.one_of(st.just(datetime.now(SHANGHAI).isoformat()), text, junk,
                     st.datetimes(timezones=st.timezones()).map(datetime.isoformat))
    record = st.fixed_dictionaries({
        "id": st.one_of(st.uuids().map(str), text), "seq": st.one_of(st.none(), st.integers(),
                                                                     junk),
        "type": st.one_of(st.sampled_from(RECORD_TYPES), text), "recorded_at": when,
        "data": st.one_of(gate, junk)})
    # Nearly valid records, so that the accepting path (and its database writes) is fuzzed too.
    plausible = st.fixed_dictionaries({
        "id": st.uuids().map(str), "seq": st.integers(1, 10**6), "type": st.just("gate_entry"),
        "recorded_at": st.just(datetime.now(SHANGHAI).isoformat()),
        "data": st.fixed_dictionaries(
            {"site_id": st.just(site_id), "direction": st.sampled_from(["in", "out"])},
            optional={"temperature_c": st.floats(34, 43), "note": st.text(max_size=60),
                      "vehicle_plate": st.sampled_from(["京A12345", "京AD12345", "沪b 1234"]),
                      "person": st.fixed_dictionaries(
                          {"doc_type": st.just("cn_ric"), "doc_number": st.one_of(
                              st.sampled_from(VALID_IDS), st.sampled_from(NASTY[9:13]))},
                          optional={"name": st.text(max_size=12),
                                    "phone": st.from_regex(r"\A1[3-9][0-9]{9}\Z")})})})
    return st.one_of(record, plausible, plausible, junk)


def envelopes(site_id, device_id):
    """Mostly well-formed envelopes holding fuzzed records; sometimes junk or raw bytes."""
    good = st.fixed_dictionaries(
        {"records": st.lists(records(site_id), min_size=1, max_size=6)},
        optional={"device_id": st.just(device_id), "pending": st.integers(0, 100),
                  "app_version": text})
    odd = st.fixed_dictionaries(
        {"records": st.one_of(st.lists(records(site_id), max_size=3), junk)},
        optional={"device_id": st.one_of(st.just(device_id), text), "pending": junk,
                  "app_version": text})
    return st.one_of(good, good, good, odd, junk, st.binary(max_size=200))


def check_error_body(response):
    body = response.get_json()
    assert isinstance(body, dict), response.get_data()[:200]
    error = body["error"]
    assert error["code"] and isinstance(error["code"], str)
    assert error["message"] and isinstance(error["message"], str)


def test_the_sync_api_never_fails_on_bad_input(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    site_id = world["a"]["gate"].id
    seen = {"examples": 0, "records": 0, "statuses": set(), "outcomes": Counter()}

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(envelopes(site_id, device_id))
    def post(envelope):
        body = envelope if isinstance(envelope, bytes) else json.dumps(envelope, allow_nan=True)
        response = client.post("/api/v1/sync", data=body, headers=headers,
                               content_type="application/json")
        seen["examples"] += 1
        seen["statuses"].add(response.status_code)
        assert response.status_code in (200, 400, 413), response.get_data()[:300]
        if response.status_code != 200:
            check_error_body(response)
            return
        results = response.get_json()["results"]
        assert len(results) == len(envelope["records"])
        seen["records"] += len(results)
        for result in results:
            assert result["status"] in STATUSES
            seen["outcomes"][result["status"]] += 1
            if result["status"] == "rejected":
                assert result["error"]["code"] and result["error"]["message"]

    post()
    print(f"\nfuzz: {seen['examples']} requests, {seen['records']} records, "
          f"statuses {sorted(seen['statuses'])}, records {dict(seen['outcomes'])}")
    assert seen["records"] > 0 and 200 in seen["statuses"] and 400 in seen["statuses"]


def test_a_deeply_nested_body_is_400(client, world, device_token):
    headers, _device_id = device_token(world["a"]["volunteer"])
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/sync", data=body, headers=headers,
                           content_type="application/json")
    assert response.status_code == 400
    check_error_body(response)


def test_nan_and_huge_numbers_are_rejected_per_record(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    site = world["a"]["gate"].id
    raw = [{"id": str(uuid.uuid4()), "seq": 1, "type": "gate_entry",
            "recorded_at": datetime.now(SHANGHAI).isoformat(),
            "data": {"site_id": site, "direction": "in", "temperature_c": value}}
           for value in (float("nan"), float("inf"), 10**400, "nan")]
    raw.append({"id": str(uuid.uuid4()), "seq": 2, "type": "gate_entry",
                "recorded_at": datetime.now(SHANGHAI).isoformat(),
                "data": {"site_id": 10**30, "direction": "in"}})
    body = json.dumps({"device_id": device_id, "records": raw}, allow_nan=True)
    response = client.post("/api/v1/sync", data=body, headers=headers,
                           content_type="application/json")
    assert response.status_code == 200
    errors = [r["error"]["code"] for r in response.get_json()["results"]]
    assert errors == ["invalid_field", "invalid_field", "invalid_field", "invalid_field",
                      "unknown_site"]


def test_text_no_database_can_store_is_rejected_per_record(client, world, device_token):
    """Lone surrogates (not UTF-8) and NUL (refused by PostgreSQL) found by the fuzzer."""
    headers, device_id = device_token(world["a"]["volunteer"])
    site = world["a"]["gate"].id
    now = datetime.now(SHANGHAI).isoformat()
    raw = [{"id": str(uuid.uuid4()), "type": "gate_entry", "recorded_at": now,
            "data": {"site_id": site, "direction": "in", "note": "\ud800"}},
           {"id": str(uuid.uuid4()), "type": "gate_\x00entry", "recorded_at": now, "data": {}},
           {"id": str(uuid.uuid4()), "type": "gate_entry", "recorded_at": now,
            "data": {"site_id": site, "direction": "in", "person": {"code": "CP1:\x00abc"}}},
           "\udfff"]
    body = json.dumps({"device_id": device_id, "app_version": "1.0\x00", "records": raw})
    response = client.post("/api/v1/sync", data=body, headers=headers,
                           content_type="application/json")
    assert response.status_code == 200
    assert [r["error"]["code"] for r in response.get_json()["results"]] == [
        "invalid_field", "unknown_type", "invalid_field", "invalid_field"]
