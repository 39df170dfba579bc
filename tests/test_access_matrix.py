"""Access matrix generated from the app's URL map: every route × every role (and anonymous)
× own and other community → the expected status. A route missing from EXPECTED fails the
test: whoever adds a route decides here who may reach it."""
import pytest

from tests.conftest import PIN
from tests.records import batch, gate_entry

ROLES = ("volunteer", "clerk", "supervisor", "admin", "lab")
ANON = "anonymous"
LOGIN = 302  # a page answering "log in first"

# Arguments for routes that take some: a file every deployment serves, ids that exist nowhere,
# and ids of community B's objects (filled in by the test) that A must not reach.
SAMPLE_ARGS = {"static": {"filename": "css/app.css"},
               "pages.client_module": {"area": "scanner", "filename": "classify.js"},
               "supervisor.resolve_flag": {"flag_id": 999999}, "ledgers.tasks_resolve": {"flag_id": 999999},
               "supervisor.retest_phone": {"retest_id": 999999},
               "supervisor.retest_update": {"retest_id": 999999},
               "supervisor.results_mapping": {"token": "no-such-upload"},
               "supervisor.results_preview": {"token": "no-such-upload"},
               "supervisor.results_cancel": {"token": "no-such-upload"},
               "supervisor.results_import": {"token": "no-such-upload"},
               "supervisor.export_download": {"kind": "tubes", "fmt": "csv"},
               "ledgers.self_report": {"token": "not-a-signed-token"},
               **{f"ledgers.{name}": {"placement_id": 999999} for name in (
                   "placement", "placement_end", "placement_extend", "placement_link", "placement_need")},
               "review.problem": {"problem_id": 999999},
               "review.problem_close": {"problem_id": 999999},
               "review.workgroup_remove": {"member_id": 999999},
               "review.workgroup_group_edit": {"group_id": 999999},
               "review.person": {"person_id": 999999},
               "review.need_add": {"person_id": 999999},
               "review.visit_add": {"person_id": 999999},
               "review.need_end": {"need_id": 999999},
               **{f"review.{name}": {"person_id": 999999} for name in ("special_groups_set", "special_contact_save")},
               "residents.claim": {"token": "not-a-resident-link"},
               **{f"residents.registration_{name}": {"registration_id": 999999}
                  for name in ("confirm", "reject")},
               "ledgers.doors_remove": {"sensor_id": 999999},
               "ledgers.integration_revoke": {"integration_id": 999999},
               "rounds.round_page": {"round_id": 999999}, "rounds.round_close": {"round_id": 999999},
               "lab.box": {"box_id": 999999},
               **{f"rosters.{name}": {"site_id": 999999} for name in ("week", "template", "repeat")},
               "rosters.assign_person": {"shift_id": 999999},
               **{f"rosters.{name}": {"assignment_id": 999999} for name in ("remove_person", "swap_person")},
               "rosters.export": {"fmt": "csv"}}
STAFF, LEAD = ("volunteer", "clerk"), ("supervisor", "admin")

# endpoint -> method -> {ANON: status, "user": status for every role}. Only login, health,
# the device login (the phone's login), the OpenAPI description and static files answer
# anonymously; none of them holds personal data.
EXPECTED = {
    "static": {"GET": {ANON: 200, "user": 200}},
    "pages.client_module": {"GET": {ANON: 200, "user": 200}},
    "pages.manifest": {"GET": {ANON: 200, "user": 200}},
    "pages.home": {"GET": {ANON: LOGIN, "user": 200}},
    "auth.login": {"GET": {ANON: 200, "user": 200}, "POST": {ANON: 200, "user": 200}},
    "auth.logout": {"POST": {ANON: LOGIN, "user": 302}},
    "api.health": {"GET": {ANON: 200, "user": 200}},
    # Answers only a request signed with SECRET_KEY (`checkpoint doctor --url`): 401 otherwise.
    "api.doctor_echo": {"GET": {ANON: 401, "user": 401}},
    "api.openapi": {"GET": {ANON: 200, "user": 200}},
    "api.register_device": {"POST": {ANON: 400, "user": 400}},  # empty body: the login form
    "api.sites": {"GET": {ANON: 401, "user": 200}},
    "api.sync": {"POST": {ANON: 401, "user": 200}},
    "api.watchlist": {"GET": {ANON: 401, "user": 200}},
    "api.handover_key": {"GET": {ANON: 401, "user": 200}},  # a public key, to phones
    "api.scan": {"POST": {ANON: 401, "user": 400}},  # no photo: "not an image"
    "api.roster_index": {"GET": {ANON: 401, "user": 200}},
    "auth.device_token": {"POST": {ANON: LOGIN, "user": 201}},
    "auth.csrf_token": {"GET": {ANON: LOGIN, "user": 200}},  # the session's own token, no data
    # The offline shell: code and empty screens, no user or personal data in them.
    "pages.service_worker": {"GET": {ANON: 200, "user": 200}},
    "pages.gate_shell": {"GET": {ANON: 200, "user": 200}},
    "pages.attention": {"GET": {ANON: 200, "user": 200}},
    "pages.home_shell": {"GET": {ANON: 200, "user": 200}},
    "pages.offline_page": {"GET": {ANON: 200, "user": 200}},
    # Called with the other community's gate: nobody may capture there.
    "gate.capture": {"GET": {ANON: LOGIN, "user": 404}},
    "gate.log": {"GET": {ANON: LOGIN, "user": 404}},
    "pages.sampling_shell": {"GET": {ANON: 200, "user": 200}},
    # Called with the other community's sampling point; volunteers have no sampling pages.
    "sampling.capture": {"GET": {ANON: LOGIN, "volunteer": 403, "user": 404}},
    "sampling.tubes": {"GET": {ANON: LOGIN, "volunteer": 403, "user": 404}},
    "pages.scan_check": {"GET": {ANON: LOGIN, "user": 200}},
    # Resident self-registration is public by design; an empty form is a 400.
    "residents.register": {"GET": {ANON: 200, "user": 200}, "POST": {ANON: 400, "user": 400}},
    "residents.codes": {"GET": {ANON: LOGIN, "staff": 403, "lead": 200}},
    "residents.issue_codes": {"POST": {ANON: LOGIN, "staff": 403, "lead": 404}},
    "residents.sheet": {"GET": {ANON: LOGIN, "staff": 403, "lead": 200}},
    # A resident's own link (a random token): unknown links are a 404 for everyone.
    "residents.claim": {"GET": {ANON: 404, "user": 404}},
    # Self-registrations wait for a supervisor who checks the ID card.
    "residents.registrations": {"GET": {ANON: LOGIN, "staff": 403, "lead": 200}},
    **{f"residents.registration_{name}": {"POST": {ANON: LOGIN, "staff": 403, "lead": 404}}
       for name in ("confirm", "reject")},
    # Door sensors and the platforms' keys: an empty form is a 400 (no such household).
    "ledgers.doors": {"GET": {ANON: LOGIN, "staff": 403, "lead": 200}},
    "ledgers.doors_save": {"POST": {ANON: LOGIN, "staff": 403, "lead": 400}},
    "ledgers.doors_remove": {"POST": {ANON: LOGIN, "staff": 403, "lead": 404}},
    "ledgers.integration_revoke": {"POST": {ANON: LOGIN, "staff": 403, "lead": 404}},
    # The resident's self-report page opens only with a valid signed token (none here).
    "ledgers.self_report": {"GET": {ANON: 404, "user": 404}, "POST": {ANON: 404, "user": 404}},
    # Door sensors authenticate with the integration's HMAC signature, never a device token.
    "api.door_events": {"POST": {ANON: 401, "user": 401}},
    # Every worker has a task list (empty without buildings); reporting needs a placement.
    "ledgers.tasks": {"GET": {ANON: LOGIN, "user": 200}},
    "api.tasks": {"GET": {ANON: 401, "user": 200}},
    # The task list's offline shell: code and empty lists, no user or personal data.
    "ledgers.tasks_shell": {"GET": {ANON: 200, "user": 200}},
    "ledgers.tasks_report": {"POST": {ANON: LOGIN, "user": 404}},
    # The alerts section the open page swaps in, and the poll asking for the newest alert.
    "ledgers.tasks_alerts": {"GET": {ANON: LOGIN, "user": 200}},
    "api.tasks_alerts": {"GET": {ANON: 401, "user": 200}},
    # A worker resolves only an alert of their own buildings (none here).
    "ledgers.tasks_resolve": {"POST": {ANON: LOGIN, "user": 404}},
    # Grids: an empty form has no name (400); a household with no resident cannot be placed.
    "ledgers.grids": {"GET": {ANON: LOGIN, "staff": 403, "lead": 200}},
    "ledgers.grids_save": {"POST": {ANON: LOGIN, "staff": 403, "lead": 400}},
    "ledgers.quarantine_place_household": {"POST": {ANON: LOGIN, "staff": 403, "lead": 400}},
    # Supervisor ledgers: ids that exist nowhere (404), an empty form (404: no such person
    # or building).
    "ledgers.quarantine": {"GET": {ANON: LOGIN, "staff": 403, "lead": 200}},
    "ledgers.buildings": {"GET": {ANON: LOGIN, "staff": 403, "lead": 200}},
    **{f"ledgers.{name}": {"POST": {ANON: LOGIN, "staff": 403, "lead": 404}} for name in (
        "quarantine_place", "buildings_assign", "placement_end", "placement_extend",
        "placement_link", "placement_need")},
    "ledgers.placement": {"GET": {ANON: LOGIN, "staff": 403, "lead": 404}},
    # The gate screen's duty line: every user; no gate named is a 400.
    "api.duty": {"GET": {ANON: 401, "user": 400}},
    # Duty rosters: supervisors and admins; ids of nothing (or the other community's) are a 404.
    **{f"rosters.{name}": {"GET": {ANON: LOGIN, "staff": 403, "lead": 200}}
       for name in ("overview", "sheet", "export")},
    "rosters.week": {"GET": {ANON: LOGIN, "staff": 403, "lead": 404}},
    **{f"rosters.{name}": {"POST": {ANON: LOGIN, "staff": 403, "lead": 404}}
       for name in ("template", "repeat", "assign_person", "remove_person", "swap_person")},
}
# Sampling rounds: supervisors and admins; ids of nothing are a 404, an empty form a 400.
EXPECTED.update({
    "rounds.rounds": {"GET": {ANON: LOGIN, "staff": 403, "lead": 200}},
    "rounds.round_open": {"POST": {ANON: LOGIN, "staff": 403, "lead": 400}},
    "rounds.round_page": {"GET": {ANON: LOGIN, "staff": 403, "lead": 404}},
    "rounds.round_close": {"POST": {ANON: LOGIN, "staff": 403, "lead": 404}},
})
# The lab's pages: the lab only (an empty scan or upload is a 400, a box of nobody a 404).
EXPECTED.update({
    "lab.home": {"GET": {ANON: LOGIN, "lab": 200, "user": 403}},
    "lab.receive_one": {"POST": {ANON: LOGIN, "lab": 400, "user": 403}},
    "lab.upload": {"POST": {ANON: LOGIN, "lab": 400, "user": 403}},
    "lab.box": {"GET": {ANON: LOGIN, "lab": 404, "user": 403}},
})
# A lab account sees nothing else (server/access.py lab_guard): 403 everywhere but its own
# pages, files, login and logout, the health check, and the device login (which refuses it).
LAB_OPEN = {"static", "pages.client_module", "pages.manifest", "pages.service_worker", "pages.offline_page",
            "auth.login", "auth.logout", "auth.csrf_token", "api.health", "api.openapi", "api.register_device"}
LAB_HOME = {"pages.home": 302}  # to /lab/
# Supervisor pages: volunteers and clerks get 403; supervisors and admins their own
# community's page (200), 404 for ids that do not exist or belong to the other community
# (device_revoke is called with the other community's device), 400 for an empty upload.
SUPERVISOR_PAGES = {
    "board": ("GET", 200), "coverage_page": ("GET", 200), "dashboard": ("GET", 200),
    "devices": ("GET", 200), "exports": ("GET", 200), "results": ("GET", 200),
    "retests": ("GET", 200), "export_download": ("GET", 200),
    "resolve_flag": ("POST", 404), "resolve_item": ("POST", 404),
    "device_revoke": ("POST", 404), "results_upload": ("POST", 400),
    "results_preview": ("GET", 404), "results_cancel": ("POST", 404),
    "results_import": ("POST", 404), "retest_phone": ("POST", 404),
    "retest_update": ("POST", 404), "handover": ("GET", 200),
    "handover_import": ("POST", 400),  # no file
}
for _name, (_method, _lead) in SUPERVISOR_PAGES.items():
    EXPECTED[f"supervisor.{_name}"] = {_method: {ANON: LOGIN, "staff": 403, "lead": _lead}}
EXPECTED["supervisor.export_download"]["POST"] = {ANON: LOGIN, "staff": 403, "lead": 200}
EXPECTED["supervisor.results_mapping"] = {m: {ANON: LOGIN, "staff": 403, "lead": 404}
                                          for m in ("GET", "POST")}
# The evening review and its ledgers: supervisors and admins only; the other community's
# problems, members, people and needs are a 404; an empty form is a 400.
REVIEW_PAGES = {
    "daily": ("GET", 200), "problem_ledger": ("GET", 200), "problem_add": ("POST", 400),
    "problem_close": ("POST", 404), "workgroups": ("GET", 200), "workgroup_add": ("POST", 400),
    "workgroup_remove": ("POST", 404), "special": ("GET", 200), "person": ("GET", 404),
    "need_add": ("POST", 404), "need_end": ("POST", 404), "visit_add": ("POST", 404),
    "door_list": ("GET", 200), "workgroup_group_add": ("POST", 400), "workgroup_group_edit": ("POST", 404),
    "special_categories": ("GET", 200), "special_category_add": ("POST", 400),
    "special_category_edit": ("POST", 400), "special_find": ("GET", 200),
    "special_groups_set": ("POST", 404), "special_contact_save": ("POST", 404),
}
for _name, (_method, _lead) in REVIEW_PAGES.items():
    EXPECTED[f"review.{_name}"] = {_method: {ANON: LOGIN, "staff": 403, "lead": _lead}}
EXPECTED["review.problem"] = {m: {ANON: LOGIN, "staff": 403, "lead": 404} for m in ("GET", "POST")}


def ledger_rows(side) -> dict:
    """A problem, a work group member, a person with a need: the review ledgers' rows of one
    community, which the other community's supervisor must not reach."""
    from server.extensions import db
    from server.models import CareNeed, Problem, WorkGroupMember
    from server.review.workgroups import groups
    from tests.factories_supervisor import make_person

    person = make_person(side["community"], tags="elderly-alone")
    rows = [Problem(community_id=side["community"].id, day=person.created_at.date(), description="x",
                    owner_id=side["clerk"].id, due_on=person.created_at.date()),
            WorkGroupMember(community_id=side["community"].id, user_id=side["clerk"].id,
                            group_id=groups(side["community"].id)[2].id),
            CareNeed(community_id=side["community"].id, person_id=person.id, need="medicine")]
    db.session.add_all(rows)
    db.session.commit()
    return {"problem": rows[0].id, "member": rows[1].id, "person": person.id, "need": rows[2].id}


def ledger_args(ids) -> dict:
    return {"review.problem": {"problem_id": ids["problem"]}, "review.problem_close": {"problem_id": ids["problem"]},
            "review.workgroup_remove": {"member_id": ids["member"]},
            **{f"review.{name}": {"person_id": ids["person"]} for name in ("person", "need_add", "visit_add")},
            "review.need_end": {"need_id": ids["need"]}}


def expected_for(endpoint, method, role):
    table = EXPECTED[endpoint][method]
    if role == "lab" and "lab" not in table:
        if endpoint in LAB_HOME:
            return LAB_HOME[endpoint]
        return table["user"] if endpoint in LAB_OPEN else 403
    if role in table:
        return table[role]
    if "user" in table:
        return table["user"]
    return table["staff" if role in STAFF else "lead"]
PUBLIC = {"static", "pages.client_module", "pages.manifest", "auth.login", "api.health",
          "api.openapi", "api.register_device", "pages.service_worker", "pages.gate_shell", "pages.sampling_shell",
          "pages.attention", "pages.home_shell", "pages.offline_page", "residents.register", "residents.claim", "ledgers.self_report",
          "ledgers.tasks_shell"}


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def call(app, client, rule, method, headers):
    from flask import url_for

    with app.test_request_context():
        url = url_for(rule.endpoint, **SAMPLE_ARGS.get(rule.endpoint, {}))
    body = {"records": []} if rule.endpoint == "api.sync" else None
    with client.open(url, method=method, headers=headers, json=body) as response:
        return response.status_code


def test_every_route_answers_each_role_as_expected(make_app, world, make_user):
    app = make_app(LOGIN_RATE_LIMIT="1000 per minute")  # ten users log in once per route
    for code in ("a", "b"):
        world[code]["lab"] = make_user(world[code]["community"], username=f"lab-{code}", role="lab")
    devices = {code: app.test_client().post("/api/v1/devices", json={
        "username": f"clerk-{code}", "pin": PIN, "device_name": "other"}).get_json()["device_id"]
        for code in ("a", "b")}
    SAMPLE_ARGS["supervisor.device_revoke"] = {"device_id": devices["a"]}
    SAMPLE_ARGS["gate.capture"] = {"site_id": world["a"]["gate"].id}
    SAMPLE_ARGS["gate.log"] = SAMPLE_ARGS["gate.capture"]
    SAMPLE_ARGS["sampling.capture"] = SAMPLE_ARGS["sampling.tubes"] = {"site_id": world["a"]["point"].id}
    ledgers = {code: ledger_rows(world[code]) for code in ("a", "b")}
    unknown = sorted({rule.endpoint for rule, _m in routes(app)} - set(EXPECTED))
    assert unknown == [], f"routes without expectations: {unknown}: add them to EXPECTED"
    checked, mismatches = 0, []
    anonymous = app.test_client()
    for rule, method in routes(app):
        expected = EXPECTED[rule.endpoint][method]
        got = call(app, anonymous, rule, method, {})
        checked += 1
        if got != expected[ANON]:
            mismatches.append((rule.rule, method, ANON, got, expected[ANON]))
        if rule.endpoint not in PUBLIC:
            assert expected[ANON] in (LOGIN, 401), f"{rule.rule} answers anonymously"
    for code in ("a", "b"):
        for role in ROLES:
            user = world[code][role]
            token = app.test_client().post("/api/v1/devices", json={
                "username": user.username, "pin": PIN, "device_name": "matrix"}).get_json()
            # A lab account gets no device token (403): it calls the API with its session only.
            headers = {"Authorization": f"Bearer {token['token']}"} if role != "lab" else {}
            other = "b" if code == "a" else "a"
            SAMPLE_ARGS["supervisor.device_revoke"] = {"device_id": devices[other]}
            SAMPLE_ARGS["gate.capture"] = {"site_id": world[other]["gate"].id}
            SAMPLE_ARGS["gate.log"] = SAMPLE_ARGS["gate.capture"]
            SAMPLE_ARGS["sampling.capture"] = SAMPLE_ARGS["sampling.tubes"] = {
                "site_id": world[other]["point"].id}
            SAMPLE_ARGS.update(ledger_args(ledgers[other]))
            client = app.test_client()
            client.post("/login", data={"username": user.username, "pin": PIN})
            # Logout last: it ends the session the other routes are called with.
            for rule, method in sorted(routes(app), key=lambda r: r[0].endpoint == "auth.logout"):
                got = call(app, client, rule, method, headers)
                checked += 1
                want = expected_for(rule.endpoint, method, role)
                if got != want:
                    mismatches.append((rule.rule, method, f"{role}-{code}", got, want))
    print(f"\naccess matrix: {checked} route × role checks")
    assert mismatches == []


@pytest.mark.parametrize("role", [r for r in ROLES if r != "lab"])  # the lab has no device token
def test_nothing_of_community_b_is_reachable_from_a(client, world, device_token, role):
    """IDOR: A's users neither see B's sites nor record at them."""
    headers, device_id = device_token(world["a"][role])
    sites = client.get("/api/v1/sites", headers=headers).get_json()["sites"]
    assert {s["community"] for s in sites} == {"a"}
    assert world["b"]["gate"].id not in {s["id"] for s in sites}
    answer = client.post("/api/v1/sync", headers=headers, json=batch(
        device_id, [gate_entry(world["b"]["gate"].id, seq=1)])).get_json()
    assert answer["results"][0]["error"]["code"] == "forbidden_site"
