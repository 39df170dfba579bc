"""Hostile input everywhere (issue 15): every route of `app.url_map`, called anonymously and as
a supervisor, with hostile values (NUL, lone surrogates, bidi controls,
dates 0001-01-01 and 9999-12-31, "²", numbers past 2**63, 3,000 characters...) in every
parameter the route reads, never answers a 5xx — on SQLite and on PostgreSQL.

The parameters are not listed by hand: a first pass calls each route with a request class that
notes every query, form and JSON key the view reads; Hypothesis then fills those keys (and the
route's own URL arguments) with hostile values. Each hostile value is also tried once in every
parameter at the same time (explicit examples), so a date, a number and a text field of a form
each meet every value on every run.
"""
import io
import json
import re
import time
import uuid
from urllib.parse import urlencode
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from flask import request
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from server.extensions import db
from tests.conftest import PIN
from tests.records import valid_id

# The values every parameter meets on every run.
HOSTILE = (
    "ab\x00cd", "x\udfffy", "\u202e1234\u202c", "0001-01-01", "9999-12-31",
    "9999-12-31T23:59:59+14:00", "²", "-1", "2147483648", "9223372036854775808", "1e309", "NaN",
    "", "x" * 3000, "2022-02-30", "😀\r\n",
)
# Values of URL arguments that are text (tokens, file names, export kinds).
PATH_HOSTILE = ("ab\x00cd", "x\udfffy", "\u202e1234", "x" * 3000, "../../../etc/passwd", "²")
EXAMPLES = 8  # generated mixes per route and caller, on top of one example per hostile value
# Anonymous callers, and a supervisor: every page a volunteer or a clerk opens, a supervisor
# opens too (their refusals, 403, are answered before any parameter is read).
ROLES = ("anonymous", "supervisor")


def _text():
    # Any code point, lone surrogates included (st.text() leaves them out by default).
    return st.text(st.characters(codec=None, exclude_categories=()), max_size=40)


def value_strategy(benign: str):
    return st.one_of(st.just(benign), st.sampled_from(HOSTILE), _text())


# ---- which keys each view reads --------------------------------------------------------------

SEEN: dict[str, set] = {}


def _note(key):
    endpoint = request.endpoint or "?"
    if isinstance(key, str):
        SEEN.setdefault(endpoint, set()).add(key)


def recording(app):
    """The app's request class, noting every key a view reads from args, form, files or JSON."""
    base = app.request_class

    class Params(base.parameter_storage_class):
        def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's name)
            _note(key)
            return super().get(key, default, type)

        def __getitem__(self, key):
            _note(key)
            return super().__getitem__(key)

        def getlist(self, key, type=None):  # noqa: A002
            _note(key)
            return super().getlist(key, type)

        def __contains__(self, key):
            _note(key)
            return super().__contains__(key)

    class JSONBody(dict):
        def get(self, key, default=None):
            _note(key)
            return super().get(key, default)

        def __getitem__(self, key):
            _note(key)
            return super().__getitem__(key)

        def __contains__(self, key):
            _note(key)
            return super().__contains__(key)

    class Recording(base):
        parameter_storage_class = Params

        def get_json(self, *args, **kwargs):
            body = super().get_json(*args, **kwargs)
            return JSONBody(body) if type(body) is dict else body

    return Recording


# ---- a community with one of everything the routes can name ----------------------------------

BENIGN = {
    "username": "nobody", "pin": PIN, "device_name": "phone", "community": "a", "c": "a",
    "name": "李四", "doc_type": "cn_ric", "doc_number": valid_id(3), "phone": "13900001111",
    "building": "1", "unit": "1", "room": "101", "note": "ok", "reason": "ok", "description": "x",
    "fix": "done", "done": "visited", "days": "3", "kind": "quarantine", "need": "medicine",
    "group": "elderly-alone", "status": "contacted", "result": "negative", "temperature": "36.5",
    "slot": "morning", "mode": "barcode", "field": "tube", "full": "1", "show": "all", "q": "T1",
    "tube": "0", "reported_at": "2", "work_group": "sampling", "sensor_id": "S1",
}


def benign(key, today):
    if key in ("date", "day", "due_on", "start"):
        return today.isoformat()
    if key in ("visited_at",):
        return f"{today.isoformat()}T09:30"
    return BENIGN.get(key, "1")


def setup_world(app, world):
    """Rows of community A for every route's URL arguments; returns {argument: [values]}."""
    from server.ledgers.doors import add_sensor, create_integration
    from server.ledgers.quarantine import place
    from server.ledgers.selfreport_links import link_token
    from server.models import CareNeed, Flag, Problem, WorkGroupMember, utcnow
    from server.supervisor import uploads
    from tests.factories_supervisor import make_person, make_tube

    side = world["a"]
    community = side["community"]
    person = make_person(community, tags="elderly-alone", building="1", unit="1", room="101")
    tube = make_tube(community, side["point"], people=3, status="sealed")
    flag = Flag(community_id=community.id, kind="fever", person_id=person.id, detail={"tube": "x"})
    problem = Problem(community_id=community.id, day=date.today(), description="x",
                      owner_id=side["clerk"].id, due_on=date.today())
    from server.models import DutyAssignment, DutyShift
    from server.review.workgroups import groups

    work_group = groups(community.id)[2]
    member = WorkGroupMember(community_id=community.id, user_id=side["clerk"].id, group_id=work_group.id)
    shift = DutyShift(community_id=community.id, site_id=side["gate"].id, starts_at=utcnow(),
                      ends_at=utcnow() + timedelta(hours=8), needed=2)
    db.session.add(shift)
    db.session.flush()
    assignment = DutyAssignment(community_id=community.id, shift_id=shift.id, user_id=side["volunteer"].id)
    need = CareNeed(community_id=community.id, person_id=person.id, need="medicine")
    from server.models import Box, SamplingRound

    box = Box(community_id=community.id, site_id=side["point"].id, barcode="B1", handed_over_at=utcnow())
    sampling_round = SamplingRound(community_id=community.id, name="第1轮", start_day=date.today(),
                                   end_day=date.today())
    db.session.add_all([flag, problem, member, need, assignment, box, sampling_round])
    placement = place(person, "quarantine", "r", date.today(), 14, side["supervisor"])
    integration, secret = create_integration(community.id, "platform")
    sensor = add_sensor(community.id, "S1", "1", "1", "101")
    db.session.commit()
    registration = app.test_client().post("/register", data={
        "community": "a", "name": "李四", "doc_number": valid_id(5), "phone": "13900001111"})
    assert registration.status_code == 303
    from server.models import Registration

    registration_id = db.session.scalar(db.select(Registration.id))
    claim = registration.headers["Location"].rsplit("/", 1)[1]
    from server.models import LabResult, Retest

    result = LabResult(community_id=community.id, tube_barcode=tube.barcode, tube_id=tube.id,
                       result="positive", reported_at=utcnow())
    db.session.add(result)
    db.session.flush()
    retest = Retest(community_id=community.id, lab_result_id=result.id, person_id=person.id,
                    tube_id=tube.id)
    db.session.add(retest)
    db.session.commit()
    with app.test_request_context():
        from flask_login import login_user

        login_user(side["supervisor"])
        upload = uploads.save("试管,结论\nT1,阴性\n".encode(), "lab.csv", headers=["试管", "结论"],
                              mapping={})
        self_report = link_token(placement)
    huge = [2**31, 2**63, 10**30]
    return {
        "args": {"flag_id": [flag.id, *huge], "retest_id": [retest.id, *huge],
                 "placement_id": [placement.id, *huge], "problem_id": [problem.id, *huge],
                 "member_id": [member.id, *huge], "person_id": [person.id, *huge],
                 "need_id": [need.id, *huge], "registration_id": [registration_id, *huge],
                 "sensor_id": [sensor.id, *huge], "integration_id": [integration.id, *huge],
                 "shift_id": [shift.id, *huge], "assignment_id": [assignment.id, *huge],
                 "group_id": [work_group.id, *huge], "box_id": [box.id, *huge],
                 "round_id": [sampling_round.id, *huge],
                 "token": [upload, *PATH_HOSTILE],
                 "kind": ["tubes", "gate", "retests", *PATH_HOSTILE],
                 "fmt": ["csv", "xlsx", *PATH_HOSTILE], "filename": ["css/app.css", *PATH_HOSTILE],
                 "area": ["scanner", *PATH_HOSTILE]},
        # A route's own kind of token first: an upload, a self-report link, a resident's link.
        "tokens": {"ledgers.self_report": self_report, "residents.claim": claim},
        "gate": [side["gate"].id, *huge], "point": [side["point"].id, *huge],
        "integration": (integration.key_id, secret),
        # The upload as saved: put back before each call, since cancel and import delete it.
        "upload": {path: path.read_bytes() for path in Path(app.config["UPLOAD_FOLDER"]).iterdir()},
    }


# ---- callers ---------------------------------------------------------------------------------

def callers(app, world):
    """{role: (test client, bearer headers)}: a fresh session and device token per role."""
    made = {"anonymous": (app.test_client(), {})}
    for role in ROLES[1:]:
        user = world["a"][role]
        client = app.test_client()
        assert client.post("/login", data={"username": user.username, "pin": PIN}).status_code == 302
        token = client.post("/api/v1/devices", json={"username": user.username, "pin": PIN,
                                                     "device_name": "crawl"}).get_json()["token"]
        made[role] = (client, {"Authorization": f"Bearer {token}"})
    return made


def path_values(rule, rows):
    """Candidate values of each URL argument of a rule (a real id first)."""
    out = {}
    for name in rule.arguments:
        if name == "site_id":
            out[name] = rows["gate"] if rule.endpoint.startswith(("gate.", "rosters.")) else rows["point"]
        elif name == "device_id":
            out[name] = [rows["device"], *PATH_HOSTILE]
        elif name == "token" and rule.endpoint in rows["tokens"]:
            out[name] = [rows["tokens"][rule.endpoint], *PATH_HOSTILE]
        else:
            out[name] = rows["args"][name]
    return out


def send(app, client, headers, rule, method, values, path, rows):
    """One request with these parameter values; its status."""
    from werkzeug.urls import quote

    def fill(match):
        text = str(path[match.group(1)])
        if text.startswith("."):  # the test client would read `..` as a step up the path
            text = "x" + text
        return quote(text.encode("utf-8", "surrogatepass"), safe="")

    url = re.sub(r"<(?:[^:<>]+:)?(\w+)>", fill, rule.rule)
    if rule.endpoint.startswith("supervisor.results_"):
        for file, content in rows["upload"].items():
            file.write_bytes(content)
    if rule.endpoint == "api.door_events":
        return _door_event(client, values, rows)
    if rule.endpoint == "api.sync":
        return _sync(client, headers, values)
    kwargs = {"headers": dict(headers)}
    if method == "GET":
        url += "?" + _urlencoded(values)
    elif rule.endpoint in JSON_ROUTES:
        # JSON escapes are the one way a lone surrogate reaches a server (\ud800).
        kwargs["data"], kwargs["content_type"] = json.dumps(values), "application/json"
    elif rule.endpoint == "api.scan":
        url += "?" + _urlencoded(values)
        kwargs["data"] = "".join(values.values()).encode("utf-8", "surrogatepass")
        kwargs["content_type"] = "image/png"
    elif "file" in values:
        # A multipart form: the file holds the value and is named after it.
        data = {k: _utf8(v).decode("utf-8", "replace") for k, v in values.items() if k != "file"}
        data["file"] = (io.BytesIO(_utf8(values["file"])), _utf8(values["file"]).decode("utf-8", "replace") or "x")
        kwargs["data"] = data
    else:
        kwargs["data"] = _urlencoded(values)
        kwargs["content_type"] = "application/x-www-form-urlencoded"
        url += "?" + kwargs["data"]
    with client.open(url, method=method, **kwargs) as response:
        return response.status_code, response.headers.get("Location", "")


def _utf8(text: str) -> bytes:
    """The bytes a client sends for the text; a lone surrogate as the three bytes a sloppy
    encoder (WTF-8) would write, which is what reaches a server over HTTP."""
    return text.encode("utf-8", "surrogatepass")


def _urlencoded(values: dict) -> str:
    return urlencode({k: _utf8(v) for k, v in values.items()})


def _door_event(client, values, rows):
    from server.ledgers.signing import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

    key_id, secret = rows["integration"]
    body = json.dumps(values).encode()  # ensure_ascii: lone surrogates as \ud800 escapes
    stamp = str(int(time.time()))
    return client.post("/api/v1/door-events", data=body, headers={
        "Content-Type": "application/json", KEY_HEADER: key_id, TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: sign(secret, stamp, body)}).status_code, ""


def _sync(client, headers, values):
    record = {"id": str(uuid.uuid4()), "seq": 1, "type": "gate_entry",
              "recorded_at": datetime.now(timezone.utc).isoformat(),
              "data": {"site_id": 1, "direction": "in", **values,
                       "person": {"doc_type": "cn_ric", "doc_number": values.get("doc_number", ""),
                                  "name": values.get("name", "")}}}
    return client.post("/api/v1/sync", headers=headers, data=json.dumps(
        {"device_id": None, "pending": 0, "records": [record]}),
        content_type="application/json").status_code, ""


# Routes whose body is JSON (the door event and sync bodies are built above).
JSON_ROUTES = ("api.register_device", "auth.device_token")
DOOR_KEYS = ("event_id", "sensor_id", "action", "occurred_at")
SYNC_KEYS = ("note", "reason", "doc_number", "name", "vehicle_plate", "temperature_c")


def discover(app, clients, rows):
    """Call every route as every caller, twice: the keys seen the first time are sent filled in
    the second, so a view that reads more keys once the first ones are valid is seen whole."""
    today = date.today()
    for _round in range(2):
        for rule, method in routes(app):
            if rule.endpoint == "auth.logout":
                continue
            path = {name: values[0] for name, values in path_values(rule, rows).items()}
            values = {k: benign(k, today) for k in SEEN.get(rule.endpoint, ())}
            for role in ROLES:
                client, headers = clients[role]
                status, location = send(app, client, headers, rule, method, values, path, rows)
                turned_away = status in (401, 403) or (status == 302 and "/login" in location)
                DENIED[(rule.endpoint, method, role)] = turned_away and (
                    DENIED.get((rule.endpoint, method, role), True))
    SEEN["api.door_events"] = set(DOOR_KEYS)
    SEEN["api.sync"] = set(SYNC_KEYS)


def routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint in ("auth.login", "auth.logout"), r.rule)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


# ---- the crawl -------------------------------------------------------------------------------

def crawl(app, clients, rows) -> tuple[int, list]:
    """Every route × caller under Hypothesis; returns (requests sent, failures)."""
    today = date.today()
    sent, failures = [0], []
    for rule, method in routes(app):
        keys = sorted(SEEN.get(rule.endpoint, ()))
        choices = path_values(rule, rows)
        for role in ROLES:
            client, headers = clients[role]
            # A caller the route turns away before reading anything meets fewer values.
            denied = DENIED.get((rule.endpoint, method, role), False)

            @settings(max_examples=EXAMPLES, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck),
                      phases=(Phase.explicit,) if denied else (Phase.explicit, Phase.generate, Phase.shrink))
            @given(values=st.fixed_dictionaries({k: value_strategy(benign(k, today)) for k in keys}),
                   path=st.fixed_dictionaries({n: st.sampled_from(v) for n, v in choices.items()}))
            def probe(values, path):
                sent[0] += 1
                try:
                    status, _location = send(app, client, headers, rule, method, values, path, rows)
                except Exception as error:  # the test client re-raises what a server answers 500 to
                    raise AssertionError(f"{type(error).__name__}: {str(error)[:200]} "
                                         f"with {_short(values)} {_short(path)}") from error
                assert status < 500, f"{status} with {_short(values)} {_short(path)}"

            for values, path in explicit_examples(keys, choices, today, denied):
                probe = example(values=values, path=path)(probe)
            try:
                probe()
            except BaseException as error:  # noqa: BLE001 (collect every route's failure)
                failures.append(f"{method} {rule.rule} as {role}: {_describe(error)}")
    return sent[0], failures


DENIED: dict[tuple, bool] = {}
FEW = ("ab\x00cd", "x\udfffy", "9999-12-31", "9223372036854775808")


def explicit_examples(keys, choices, today, denied):
    """Each hostile value in every key at once, then each URL argument's values: distinct only."""
    made, seen = [], set()
    first = {n: v[0] for n, v in choices.items()}
    candidates = [({k: value for k in keys}, first) for value in (FEW if denied else HOSTILE)]
    for index in range(1, max((len(v) for v in choices.values()), default=1)):
        candidates.append(({k: benign(k, today) for k in keys},
                           {n: v[min(index, len(v) - 1)] for n, v in choices.items()}))
    for values, path in candidates:
        key = (tuple(sorted(values.items())), tuple(sorted((n, str(v)) for n, v in path.items())))
        if key not in seen:
            seen.add(key)
            made.append((values, path))
    return made


def _short(values: dict) -> str:
    return "{" + ", ".join(f"{k}={str(v)[:24]!r}" for k, v in values.items()) + "}"


def _describe(error) -> str:
    """The falsifying example(s) Hypothesis printed, as one line each."""
    parts = getattr(error, "exceptions", None) or [error]
    lines = []
    for part in parts:
        lines.append(str(part)[:400])
    return " | ".join(lines)


def test_no_route_answers_5xx_to_hostile_input(make_app, world, tmp_path):
    app = make_app(UPLOAD_FOLDER=str(tmp_path / "uploads"), LOGIN_RATE_LIMIT="100000 per minute", REGISTER_RATE_LIMIT="100000 per minute",
                   SELF_REPORT_RATE_LIMIT="100000 per minute", SCAN_RATE_LIMIT="100000 per minute",
                   RATELIMIT_STORAGE_URI="checkpointdb://")
    app.request_class = recording(app)
    with app.app_context():
        rows = setup_world(app, world)
        clients = callers(app, world)
        db.session.remove()
    # A phone of community A for the supervisor to revoke (not one the crawl calls with).
    rows["device"] = app.test_client().post("/api/v1/devices", json={
        "username": world["a"]["volunteer"].username, "pin": PIN,
        "device_name": "revoked"}).get_json()["device_id"]
    discover(app, clients, rows)
    with app.app_context():
        sent, failures = crawl(app, clients, rows)
        db.session.remove()
    print(f"\nhostile crawl: {sent} requests, {sum(len(v) for v in SEEN.values())} parameters "
          f"of {len(SEEN)} routes")
    assert failures == [], "\n".join(failures)
    assert sent > 1000  # the crawl really ran: every route, every caller
