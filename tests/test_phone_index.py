"""Issue 15: a phone holds no recoverable number. Whoever holds a phone holds the community's
index key and can hash every plausible ID number; the roster index and the watch list hold
slots too short to give a number back (server/api/phoneindex.py).

The brute force here is the attacker's: every number of the community's region codes and a
century of birth dates (1,000 sequence numbers each, the check digit following), hashed with
the phone's key, counted per slot of the index. Every roster entry and watch-list entry must
be left with at least 10 candidate numbers."""
from datetime import date, timedelta

import pytest
from stdnum.cn import ric

from server.api.phoneindex import BIRTH_DAYS, expected_candidates, slot, slot_bits
from server.privacy import vault
from tests.records import valid_id

try:  # CPython's own SHA-256: copying its small state costs less than copying an OpenSSL context
    from _sha2 import sha256  # Python 3.12+
except ImportError:
    try:
        from _sha256 import sha256  # Python 3.11
    except ImportError:
        from hashlib import sha256

MIN_CANDIDATES = 10
WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # GB 11643 weights of the 17 digits
CHECK = "10X98765432"  # check character by (weighted sum mod 11)


def century(today: date) -> list[date]:
    """A century of birth dates, up to today (what an attacker tries)."""
    return [today - timedelta(days=n) for n in range(BIRTH_DAYS)]


def keyed_states(key: bytes):
    """HMAC-SHA256 (RFC 2104) as two SHA-256 states that have absorbed the key's inner and outer
    pads: HMAC(m) = outer.update(inner.update(m).digest()).digest(), each on a copy. (The
    phone's key is 32 bytes: no longer than a block, so it is padded, not hashed first.)"""
    assert len(key) <= 64
    block = key.ljust(64, b"\0")
    return sha256(bytes(b ^ 0x36 for b in block)), sha256(bytes(b ^ 0x5C for b in block))


def attacker_slot(key: bytes, bits: int, number: str) -> str:
    """One number's slot the way the brute force computes it (checked against the server's)."""
    inner, outer = keyed_states(key)
    inner.update(f"cn_ric:{number}".encode())
    outer.update(inner.digest())
    return str(int.from_bytes(outer.digest()[:4], "big") >> (32 - bits))


def brute_force(key: bytes, bits: int, regions, targets: set[str], today: date) -> dict[str, int]:
    """How many plausible numbers fall in each target slot: every number of the region codes,
    a century of birth dates and sequences 000-999, with its check digit. One process: the
    test runs beside another test worker on a 2-core machine."""
    shift = 32 - bits
    wanted = {int(t) for t in targets}
    found = dict.fromkeys(wanted, 0)
    # A MAC whose first two bytes start no target slot is passed over on them alone (bits >= 16).
    assert bits >= 16
    starts = {t >> (bits - 16) for t in wanted}
    # The sequence's share of the weighted sum and its four last characters for each check.
    tail = [(sum(int(d) * w for d, w in zip(f"{s:03d}", WEIGHTS[14:])),
             [f"{s:03d}{CHECK[c]}".encode() for c in range(11)]) for s in range(1000)]
    # by_rest[r][s]: the last four characters of sequence s when the first 14 digits sum to r
    # (mod 11): the check character is CHECK[(r + sequence's sum) % 11].
    by_rest = [[suffixes[(rest + seq_sum) % 11] for seq_sum, suffixes in tail] for rest in range(11)]
    inner, outer = keyed_states(key)
    inner.update(b"cn_ric:")
    for region in sorted(regions):
        for born in century(today):
            head = f"{region}{born:%Y%m%d}"
            rest = sum(int(d) * w for d, w in zip(head, WEIGHTS)) % 11
            state = inner.copy()
            state.update(head.encode())
            for suffix in by_rest[rest]:
                mac = state.copy()
                mac.update(suffix)
                out = outer.copy()
                out.update(mac.digest())
                digest = out.digest()
                if (digest[0] << 8 | digest[1]) in starts:
                    at = int.from_bytes(digest[:4], "big") >> shift
                    if at in found:
                        found[at] += 1
    return {str(k): n for k, n in found.items()}


def test_check_digits_of_the_brute_force_are_gb11643(app):
    """The attacker's shortcut computes the same check digits as the standard."""
    body = "11010519800101123"
    rest = sum(int(d) * w for d, w in zip(body[:14], WEIGHTS)) % 11
    seq_sum = sum(int(d) * w for d, w in zip(body[14:], WEIGHTS[14:]))
    assert CHECK[(rest + seq_sum) % 11] == ric.calc_check_digit(body + "0")


def test_the_brute_force_hashes_as_the_server_does():
    """The attacker's keyed SHA-256 states give the server's slot (HMAC-SHA256), any key."""
    for n, bits in ((1, 20), (2, 16), (3, 32)):
        key = bytes([n]) * 32
        for number in (valid_id(n), valid_id(40 + n), "11010519800101123X"):
            assert attacker_slot(key, bits, number) == slot(key, bits, "cn_ric", number)


# The attack is on the phone's copy, whatever database the server runs on (the index itself is
# checked on both in the tests below and in test_gate_api.py): one run of the long loop.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_brute_force_leaves_at_least_ten_candidates_per_roster_and_watch_list_entry(
        client, world, device_token, make_person):
    community = world["a"]["community"]
    residents = [valid_id(n) for n in range(1, 41)]  # one region code, births 1950-1999
    for i, number in enumerate(residents):
        make_person(community, doc_number=number, name=f"张{i}明", building="1", unit="1",
                    room=f"{100 + i}", tags="home-quarantine" if i % 8 == 0 else "")
    headers, _device = device_token(world["a"]["volunteer"])
    index = client.get("/api/v1/roster-index", headers=headers).get_json()
    watch = client.get("/api/v1/watchlist", headers=headers).get_json()
    key, bits = bytes.fromhex(index["key"]), index["bits"]
    assert (watch["key"], watch["bits"]) == (index["key"], index["bits"])  # nothing to intersect
    assert bits == slot_bits(1) and index["figures"]["region_codes"] == 1
    assert set(watch["hashes"]) == set(index["watched"]) and len(watch["hashes"]) == 5
    targets = set(index["entries"]) | set(watch["hashes"])
    assert len(index["entries"]) >= 38  # 40 residents: a few may share a slot
    # The brute force hashes as the phone does: its slots of the residents are the index's.
    assert {attacker_slot(key, bits, number) for number in residents} == set(index["entries"])

    counts = brute_force(key, bits, {"110105"}, targets, date.today())

    expected = expected_candidates(1, bits)
    print(f"\n[phone index] bits {bits}: expected {expected:.1f} candidates per slot; "
          f"brute force: min {min(counts.values())}, mean {sum(counts.values()) / len(counts):.1f}, "
          f"max {max(counts.values())} over {len(counts)} slots")
    assert min(counts.values()) >= MIN_CANDIDATES, counts
    # The counts follow the analysis (a Poisson spread around the expected count).
    assert 0.7 * expected < sum(counts.values()) / len(counts) < 1.3 * expected


def test_index_holds_no_full_hash_and_links_code_and_document(client, world, device_token, make_person):
    from server.residents.personal_codes import new_token

    community = world["a"]["community"]
    number = valid_id(5)
    coded = make_person(community, doc_number=number, name="张三明", building="3", unit="2", room="401",
                        personal_code=new_token())
    headers, _device = device_token(world["a"]["clerk"])
    answer = client.get("/api/v1/roster-index", headers=headers)
    body, text = answer.get_json(), answer.get_data(as_text=True)
    assert number not in text and number[-8:] not in text and "张三明" not in text
    assert coded.personal_code not in text
    [(slot, entries)] = body["entries"].items()
    assert int(slot) < 2 ** body["bits"] <= 2 ** 32  # a slot, not a hash
    assert entries == [{"resident": True, "compound": None, "address": "3-2-401", "name": "张*明",
                        "status": ["no_recent_sample"]}]
    assert list(body["documents"]) == [slot]
    [(code_key, person)] = body["codes"].items()
    assert len(code_key) == 32 and body["documents"][slot] == [person]  # one opaque person key
    full = vault().lookup_hash("cn_ric", number)
    assert full not in text and full[:16] not in text  # the server's own look-up hash stays there
