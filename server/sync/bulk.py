"""Wide statements for the sync ingest: many rows of a table in one statement.

The ORM and Core's executemany convert every value of every row through the column types
under the write lock (AES-GCM of the encrypted columns included). Here each table's SQL text
and converters are built once per dialect, rows are converted to what the driver takes by
convert() -- before the lock -- and the statements under the lock only hand them over.
The converters are the column types' own bind processors, so the stored bytes are those the
ORM would store.

SQL text: one statement per table, not one per row: multi-row VALUES on SQLite, one array per
column unnested on PostgreSQL. `IN` lists go as one parameter (json_each / ANY) so that a
query's text does not change with the batch."""
import json
import re
from datetime import datetime
from itertools import chain

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect

from ..privacy import Encrypted, vault

SQLITE_VARIABLES = 32000  # SQLite takes at most 32766 parameters per statement (3.32+)


class Ref:
    """A row the batch creates, whose id the database gives at write time (RETURNING).
    Rows naming it hold the Ref; write() puts the id in its place."""

    __slots__ = ("id",)

    def __init__(self):
        self.id = None


_plans: dict = {}
# Values that repeat down a column (the batch's receiving time, flags, warning lists) are
# converted once per column. Never text: an encrypted column gets a fresh nonce per value.
_REPEATING = (datetime, bool)


class Rows(list):
    """Converted rows (lists of driver values); `refs`: the positions where some row holds a Ref."""

    __slots__ = ("refs",)


def _plan(table: Table, columns: tuple, dialect_name: str, dialect: Dialect):
    """Converters and quoted names of a table's columns, once per dialect. An encrypted
    column's converter is (None, its binary type's converter): convert() encrypts with the
    app's vault fetched once per call, not once per value."""
    key = (table.name, columns, dialect_name)
    if key not in _plans:
        converters = []
        for name in columns:
            type_ = table.c[name].type.dialect_impl(dialect)
            if isinstance(type_, Encrypted):
                converters.append((None, type_.impl_instance.bind_processor(dialect)))
            else:
                converters.append(type_.bind_processor(dialect))
        quote = dialect.identifier_preparer.quote
        _plans[key] = converters, quote(table.name), ", ".join(quote(c) for c in columns)
    return _plans[key]


def convert(dialect: Dialect, table: Table, columns: tuple, rows: list[dict]) -> Rows:
    """Rows (dicts) as lists of driver values in `columns` order, converted a column at a
    time. A Ref is kept as it is (insert() puts its id in its place)."""
    converters, _t, _n = _plan(table, columns, dialect.name, dialect)
    converted, refs = [], []
    for position, (name, fn) in enumerate(zip(columns, converters)):
        values = [row[name] for row in rows]
        if fn.__class__ is tuple:
            values = _encrypted(values, fn[1])
        elif fn is not None:
            values = _converted(values, fn)
        if Ref in {v.__class__ for v in values}:
            refs.append(position)
        converted.append(values)
    out = Rows(map(list, zip(*converted)))
    out.refs = tuple(refs)
    return out


def _converted(values: list, fn) -> list:
    out, seen = [], {}
    for value in values:
        if value is not None:
            kind = value.__class__
            if kind in _REPEATING:
                found = seen.get(value)
                if found is None:
                    found = seen[value] = fn(value)
                value = found
            elif kind is list:
                key = tuple(value)
                found = seen.get(key)
                if found is None:
                    found = seen[key] = fn(value)
                value = found
            elif kind is not Ref:
                value = fn(value)
        out.append(value)
    return out


def _encrypted(values: list, binary) -> list:
    """Encrypted(...).process_bind_param then its binary type's converter, the vault fetched once."""
    encrypt = vault().encrypt
    if binary is None:
        return [None if v is None else encrypt(v) for v in values]
    return [None if v is None else binary(encrypt(v)) for v in values]


def _resolved(rows: list[list], ref_positions: tuple) -> list:
    if not ref_positions:
        return rows
    for row in rows:
        for i in ref_positions:
            if row[i].__class__ is Ref:
                row[i] = row[i].id
    return rows


def insert(conn: Connection, table: Table, columns: tuple, rows: list[list],
           returning: tuple = ()) -> list:
    """Insert converted rows (Refs in them replaced by their ids); the `returning` columns
    of the inserted rows, in no particular order."""
    if not rows:
        return []
    dialect = conn.dialect
    _c, name, names = _plan(table, columns, dialect.name, dialect)
    refs = rows.refs if isinstance(rows, Rows) else _ref_positions(rows)
    values = _resolved(rows, refs)
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    tail = (" RETURNING " + ", ".join(dialect.identifier_preparer.quote(c) for c in returning)
            if returning else "")
    if dialect.name == "postgresql":
        # One array per column, unnested: the statement's text does not change with the
        # number of rows (prepared once by psycopg), and it takes 19 parameters rather than
        # 1,900 (measured on 100 gate rows alone: 8.6 ms of database CPU instead of 11.0, and
        # less of our own CPU handing the parameters over). The arrays go in binary (%b):
        # psycopg writes a text array element by element in Python, quoting and escaping
        # each (a third of a gate batch's app CPU); binary needs neither.
        arrays = ", ".join(f"%b::{t}" for t in _array_types(table, columns, dialect))
        result = conn.exec_driver_sql(f"INSERT INTO {name} ({names}) SELECT * FROM unnest({arrays}){tail}",
                                      tuple(map(list, zip(*values))))
        return result.all() if returning else []
    found = []
    # Multi-row VALUES on SQLite: executemany steps the statement once per row, and the
    # sqlite3 module lets go of the GIL at every step; under the write lock, in a worker
    # whose other threads are busy planning, each step could wait up to the GIL's switch
    # interval (5 ms) to get it back.
    chunk = max(1, SQLITE_VARIABLES // len(columns))
    for start in range(0, len(values), chunk):
        part = values[start:start + chunk]
        sql = f"INSERT INTO {name} ({names}) VALUES " + ", ".join([one] * len(part)) + tail
        result = conn.exec_driver_sql(sql, tuple(chain.from_iterable(part)))
        if returning:
            found += result.all()
    return found


_arrays: dict = {}


def _array_types(table: Table, columns: tuple, dialect: Dialect) -> list[str]:
    """PostgreSQL's array type of each column (VARCHAR[], BYTEA[], ...), without lengths or
    scales: an explicit cast to VARCHAR(3) would cut a longer text where the column's own
    (assignment) cast refuses it, as the multi-row VALUES did."""
    key = (table.name, columns)
    if key not in _arrays:
        _arrays[key] = [re.sub(r"\(.*\)", "", table.c[c].type.compile(dialect=dialect)) + "[]"
                        for c in columns]
    return _arrays[key]


def _ref_positions(rows: list[list]) -> tuple:
    return tuple(i for i in range(len(rows[0])) if Ref in {r[i].__class__ for r in rows})


def update(conn: Connection, table: Table, columns: tuple, rows: list[list], key: str = "id",
           where: str = "") -> int:
    """UPDATE table SET columns WHERE key = ? (+ `where`), once per converted row
    (columns' values, then the key). Returns the rows changed."""
    if not rows:
        return 0
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sets = ", ".join(f"{quote(c)} = {mark}" for c in columns)
    sql = f"UPDATE {quote(table.name)} SET {sets} WHERE {quote(key)} = {mark}{where}"
    result = conn.exec_driver_sql(sql, [tuple(r) for r in _resolved(rows, _ref_positions(rows))])
    return result.rowcount


def any_of(dialect: Dialect, column: str, values) -> tuple[str, object]:
    """`column IN (values)` as SQL text that does not change with the number of values, and
    its one parameter."""
    if dialect.name == "sqlite":
        return f"{column} IN (SELECT value FROM json_each(?))", json.dumps(list(values))
    return f"{column} = ANY(%b)", list(values)  # binary: see insert()


def mark(dialect: Dialect) -> str:
    return "?" if dialect.paramstyle == "qmark" else "%s"


def result_processor(dialect: Dialect, table: Table, column: str):
    """The column type's conversion of what the driver returns (None: nothing to do)."""
    return table.c[column].type.dialect_impl(dialect).result_processor(dialect, None)


def bind_value(dialect: Dialect, table: Table, column: str, value):
    """`value` as the driver takes it for `column` (for comparing with values read raw)."""
    processor = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return processor(value) if processor and value is not None else value
