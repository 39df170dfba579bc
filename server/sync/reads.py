"""What a sync batch reads: a few wide look-ups before the write lock, and, under it, the
check that the answers the plan's decisions rested on still hold.

Each kind of look-up is read once for everything the batch names (all its tubes in one query,
all its people in one...), on first use. Answers that other requests may change between our
read and our write, and that decide what the batch writes -- a tube's status, its taken
slots, whether a person already holds a live sample, a sample to void, a box and its tubes --
are logged; holds() asks them again under the lock and compares. Rows that only grow or never
change once written (sites, people, inbox ids) are not re-checked: a unique key the database
enforces (a tube or person added meanwhile, a record stored by a retry) fails the write and
the batch is planned again. Watch-list placements are read once, like a page would.

Queries are plain SQL read raw (no ORM objects, no type processing of rows we only compare);
their text does not depend on the batch, so each is parsed once per connection."""
from collections import namedtuple

from offline.rules import DOC_TYPES

from . import bulk
from ..clock import day_ranges
from ..extensions import db
from ..models import Person, Placement, Sample
from ..residents.personal_codes import token_from_code
from ..privacy import normalise_doc_number

SiteRow = namedtuple("SiteRow", "id community_id kind code tube_capacity tube_pattern")
PersonRow = namedtuple("PersonRow", "id tags has_name has_phone")
TubeRow = namedtuple("TubeRow", "id barcode site_id capacity status sealed_at box_id")
SampleRow = namedtuple("SampleRow", "id tube_id person_id slot voided recorded_at")
BoxRow = namedtuple("BoxRow", "id barcode site_id handed_over")
PlacementRow = namedtuple("PlacementRow", "kind start_date end_date ended_early_at")

_TUBE = "id, barcode, site_id, capacity, status, sealed_at, box_id"
_SAMPLE = "id, tube_id, person_id, slot, voided_at IS NOT NULL, recorded_at"


def _valid_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


class Lookups:
    """The database as a batch sees it; `records` are the batch's (parsed) records."""

    def __init__(self, community_id: int, records: list, hashes: dict | None = None):
        self.community_id = community_id
        self.records = records
        self.hashes = {} if hashes is None else hashes  # (doc_type, number) -> lookup hash
        self.log: list = []  # (method, args, answer) to ask again in holds()
        self._sites = self._people = self._tubes = self._samples = None
        self._placements = self._voids = self._boxes = None
        self._conn = None
        self._days: dict = {}
        self.day_range = day_ranges()  # clock.day_range, the zone read once per batch
        self._hasher = None

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def conn(self):
        # The session's connection of the current transaction: the look-ups of one phase
        # (before the lock, or under it) run in one transaction.
        if self._conn is None:
            self._conn = db.session.connection()
        return self._conn

    def _rows(self, sql: str, *params) -> list:
        return self.conn.exec_driver_sql(sql, params).all()

    def _in(self, column: str, values) -> tuple[str, object]:
        return bulk.any_of(self.conn.dialect, column, values)

    @property
    def _m(self) -> str:
        return bulk.mark(self.conn.dialect)

    def _named(self, key: str, types: tuple) -> list:
        return [r.data[key] for r in self.records if r.type in types and isinstance(r.data, dict)
                and key in r.data]

    def holds(self) -> bool:
        """Under the write lock: every logged answer is still the same."""
        if not self.log:
            return True
        fresh = Lookups(self.community_id, self.records, self.hashes)
        fresh._sites, fresh._people = self._sites, self._people  # not re-checked (see above)
        return all(getattr(fresh, method)(*args) == answer for method, args, answer in self.log)

    def _logged(self, method: str, args: tuple, answer):
        self.log.append((method, args, answer))
        return answer

    # -- sites and people (not re-checked) --------------------------------------------------

    def site(self, site_id: int) -> SiteRow | None:
        if self._sites is None:
            ids = {i for i in self._named("site_id", _ALL) if _valid_int(i)}
            self._sites = {}
            if ids:
                where, param = self._in("id", sorted(ids))
                self._sites = {row[0]: SiteRow(*row) for row in self._rows(
                    "SELECT id, community_id, kind, code, tube_capacity, tube_pattern "
                    f"FROM site WHERE {where}", param)}
        if site_id not in self._sites:
            row = self._rows("SELECT id, community_id, kind, code, tube_capacity, tube_pattern "
                             f"FROM site WHERE id = {self._m}", site_id)
            self._sites[site_id] = SiteRow(*row[0]) if row else None
        return self._sites[site_id]

    def lookup_hash(self, doc_type: str, number: str) -> str:
        """The keyed hash of a normalised document number, computed once per batch."""
        key = (doc_type, number)
        if key not in self.hashes:
            if self._hasher is None:
                self._hasher = Person.hasher()
            self.hashes[key] = self._hasher(doc_type, number)
        return self.hashes[key]

    def person(self, key: tuple) -> PersonRow | None:
        """A person by (doc_type, lookup hash) or ("code", token)."""
        if self._people is None:
            self._load_people()
        if key not in self._people:
            self._load_people([key])
        return self._people[key]

    def _load_people(self, keys: list | None = None) -> None:
        if keys is None:
            keys = []
            for value in self._named("person", _ALL):
                if not isinstance(value, dict):
                    continue
                code = value.get("code")
                if isinstance(code, str) and len(code) <= 256:
                    token = token_from_code(code)
                    if token:
                        keys.append(("code", token))
                elif value.get("doc_type") in DOC_TYPES and isinstance(value.get("doc_number"), str) \
                        and len(value["doc_number"]) <= 64:
                    keys.append((value["doc_type"], self.lookup_hash(
                        value["doc_type"], normalise_doc_number(value["doc_number"]))))
            self._people = {}
        keys = [k for k in dict.fromkeys(keys) if k not in self._people]
        for key in keys:
            self._people[key] = None
        where, params = [], []
        for column, values in (("doc_hash", {h for t, h in keys if t != "code"}),
                               ("personal_code", {h for t, h in keys if t == "code"})):
            if values:
                clause, param = self._in(column, sorted(values))
                where.append(clause)
                params.append(param)
        if not where:
            return
        # By the hash and code indexes alone: with community_id in the WHERE clause, SQLite
        # (without statistics) walked the community's whole roster through the unique
        # (community_id, doc_type, doc_hash) index instead.
        for pid, community_id, tags, doc_type, doc_hash, code, no_name, no_phone in self._rows(
                "SELECT id, community_id, tags, doc_type, doc_hash, personal_code, name IS NULL, "
                f"phone IS NULL FROM person WHERE {' OR '.join(where)}", *params):
            if community_id != self.community_id:
                continue
            row = PersonRow(pid, tags or "", not no_name, not no_phone)
            if (doc_type, doc_hash) in self._people:
                self._people[(doc_type, doc_hash)] = row
            if code and ("code", code) in self._people:
                self._people[("code", code)] = row

    def placements(self, person_id: int) -> list[PlacementRow]:
        """The person's quarantine/monitoring placements (watch list), read for the whole
        batch's people at once."""
        if self._placements is None:
            ids = sorted({p.id for p in (self._people or {}).values() if p is not None} | {person_id})
            where, param = self._in("person_id", ids)
            self._placements = {i: [] for i in ids}
            rows = self._rows("SELECT person_id, kind, start_date, end_date, ended_early_at "
                              f"FROM placement WHERE {where}", param)
            if rows:
                convert = [bulk.result_processor(self.conn.dialect, Placement.__table__, c)
                           for c in ("start_date", "end_date", "ended_early_at")]
                for pid, kind, *dates in rows:
                    dates = [fn(v) if fn and v is not None else v for fn, v in zip(convert, dates)]
                    self._placements[pid].append(PlacementRow(kind, *dates))
        if person_id not in self._placements:
            self._placements = None
            return self.placements(person_id)
        return self._placements[person_id]

    # -- what sampling records decide on (re-checked under the lock) ------------------------

    def _load_tubes(self) -> None:
        named = {b for b in self._named("tube", _SAMPLING) if isinstance(b, str) and len(b) <= 64}
        self._tubes = dict.fromkeys(named)
        if named:
            where, param = self._in("barcode", sorted(named))
            for row in self._rows(f"SELECT {_TUBE} FROM tube WHERE community_id = {self._m} "
                                  f"AND {where}", self.community_id, param):
                self._tubes[row[1]] = TubeRow(*row)

    def tube(self, barcode: str) -> TubeRow | None:
        if self._tubes is None:
            self._load_tubes()
        if barcode not in self._tubes:
            row = self._rows(f"SELECT {_TUBE} FROM tube WHERE community_id = {self._m} "
                             f"AND barcode = {self._m}", self.community_id, barcode)
            self._tubes[barcode] = TubeRow(*row[0]) if row else None
        return self._logged("tube", (barcode,), self._tubes[barcode])

    def _load_samples(self) -> None:
        """Live samples in the batch's tubes, and those of the batch's people on its days."""
        if self._people is None:
            self._load_people()
        if self._tubes is None:
            self._load_tubes()
        tubes = sorted(t.id for t in (self._tubes or {}).values() if t is not None)
        people = sorted({p.id for p in (self._people or {}).values() if p is not None})
        days = [self.day_range(r.recorded_at) for r in self.records if r.type == "sample"]
        self._samples = {"tubes": set(tubes), "people": set(), "start": None, "end": None,
                         "slots": {t: set() for t in tubes}, "of": {}}
        if not tubes and not (people and days):
            return
        dialect = self.conn.dialect
        where, params = [], []
        if tubes:
            by_tube, tube_param = self._in("tube_id", tubes)
            where.append(by_tube)
            params.append(tube_param)
        if people and days:
            start = bulk.bind_value(dialect, Sample.__table__, "recorded_at", min(d[0] for d in days))
            end = bulk.bind_value(dialect, Sample.__table__, "recorded_at", max(d[1] for d in days))
            by_person, person_param = self._in("person_id", people)
            where.append(f"({by_person} AND recorded_at >= {self._m} AND recorded_at < {self._m})")
            params += [person_param, start, end]
            self._samples.update(people=set(people), start=start, end=end)
        # Voided samples (few) are dropped here, not in SQL: "voided_at IS NULL" lets the
        # partial index on (tube_id, person_id) serve, and PostgreSQL, with statistics lagging
        # a growing table, read all of it to test person_id = ANY (42 ms a batch in a storm).
        for row in self._rows(f"SELECT {_SAMPLE} FROM sample WHERE {' OR '.join(where)}", *params):
            sample = SampleRow(*row)
            if sample.voided:
                continue
            if sample.tube_id in self._samples["slots"] and sample.slot is not None:
                self._samples["slots"][sample.tube_id].add(sample.slot)
            self._samples["of"].setdefault(sample.person_id, []).append(sample)

    def used_slots(self, tube_id: int) -> frozenset:
        if self._samples is None:
            self._load_samples()
        if tube_id in self._samples["slots"]:
            slots = self._samples["slots"][tube_id]
        else:
            slots = {s for (s,) in self._rows(
                f"SELECT slot FROM sample WHERE tube_id = {self._m} AND slot IS NOT NULL", tube_id)}
        return self._logged("used_slots", (tube_id,), frozenset(slots))

    def sampled(self, person_id: int, tube_id: int | None, day: tuple, excluding: frozenset) -> tuple:
        """(whether the person holds a live sample in that tube, whether in that tube or any
        tube that day), not counting the samples `excluding` (voided by the batch)."""
        if self._samples is None:
            self._load_samples()
        start, end = self._db_day(day)
        known = self._samples
        if person_id in known["people"] and (tube_id is None or tube_id in known["tubes"]) \
                and known["start"] <= start and end <= known["end"]:
            rows = known["of"].get(person_id, [])
        else:
            rows = [SampleRow(*row) for row in self._rows(
                f"SELECT {_SAMPLE} FROM sample WHERE person_id = {self._m} "
                f"AND (tube_id = {self._m} OR (recorded_at >= {self._m} AND recorded_at < {self._m}))",
                person_id, tube_id if tube_id is not None else -1, start, end)]
        rows = [s for s in rows if not s.voided and s.id not in excluding]
        in_tube = any(s.tube_id == tube_id for s in rows)
        answer = (in_tube, in_tube or any(start <= s.recorded_at < end for s in rows))
        return self._logged("sampled", (person_id, tube_id, day, excluding), answer)

    def _db_day(self, day: tuple) -> tuple:
        """A day's bounds as the database stores times (to compare with times read raw)."""
        if day not in self._days:
            dialect = self.conn.dialect
            self._days[day] = tuple(bulk.bind_value(dialect, Sample.__table__, "recorded_at", t)
                                    for t in day)
        return self._days[day]

    def sample_by_record(self, record_id: str) -> SampleRow | None:
        """The sample row a record made (the target of a sample_void)."""
        self._load_voids()
        if record_id not in self._voids["samples"]:
            row = self._rows(f"SELECT {_SAMPLE} FROM sample WHERE community_id = {self._m} "
                             f"AND record_id = {self._m}", self.community_id, record_id)
            self._voids["samples"][record_id] = SampleRow(*row[0]) if row else None
        return self._logged("sample_by_record", (record_id,), self._voids["samples"][record_id])

    def inbox_has(self, record_id: str) -> bool:
        """Whether this community stored a record with that id."""
        self._load_voids()
        if record_id not in self._voids["inbox"]:
            self._voids["inbox"][record_id] = bool(self._rows(
                f"SELECT 1 FROM inbox_record WHERE community_id = {self._m} AND id = {self._m}",
                self.community_id, record_id))
        return self._logged("inbox_has", (record_id,), self._voids["inbox"][record_id])

    def _load_voids(self) -> None:
        if self._voids is not None:
            return
        targets = sorted({t for t in self._named("sample_record_id", ("sample_void",))
                          if isinstance(t, str) and len(t) <= 36})
        self._voids = {"samples": {}, "inbox": {}}
        if targets:
            where, param = self._in("record_id", targets)
            found = {row[0]: row for row in self._rows(
                f"SELECT record_id, {_SAMPLE} FROM sample WHERE community_id = {self._m} AND {where}",
                self.community_id, param)}
            self._voids["samples"] = {t: SampleRow(*found[t][1:]) if t in found else None
                                      for t in targets}
            where, param = self._in("id", targets)
            stored = {i for (i,) in self._rows(
                f"SELECT id FROM inbox_record WHERE community_id = {self._m} AND {where}",
                self.community_id, param)}
            self._voids["inbox"] = {t: t in stored for t in targets}

    def box(self, barcode: str) -> BoxRow | None:
        if self._boxes is None:
            named = sorted({b for b in self._named("box", ("box_pack", "box_handover"))
                            if isinstance(b, str) and len(b) <= 64})
            self._boxes = dict.fromkeys(named)
            if named:
                where, param = self._in("barcode", named)
                for row in self._rows(
                        "SELECT id, barcode, site_id, handed_over_at IS NOT NULL FROM box "
                        f"WHERE community_id = {self._m} AND {where}", self.community_id, param):
                    self._boxes[row[1]] = BoxRow(*row)
        if barcode not in self._boxes:
            row = self._rows("SELECT id, barcode, site_id, handed_over_at IS NOT NULL FROM box "
                             f"WHERE community_id = {self._m} AND barcode = {self._m}",
                             self.community_id, barcode)
            self._boxes[barcode] = BoxRow(*row[0]) if row else None
        return self._logged("box", (barcode,), self._boxes[barcode])

    def box_tubes(self, box_id: int) -> tuple:
        rows = tuple(TubeRow(*row) for row in self._rows(
            f"SELECT {_TUBE} FROM tube WHERE box_id = {self._m} ORDER BY id", box_id))
        return self._logged("box_tubes", (box_id,), rows)


_SAMPLING = ("tube_open", "sample", "tube_seal", "tube_reopen", "box_pack")
_ALL = ("gate_entry", "tube_open", "sample", "tube_seal", "tube_reopen", "box_pack", "box_handover")
