"""Rows read and written once per page, in plain SQL, and the transaction they share.

sqlite-utils' Table.get, insert and update read the table's schema on every call, and
update() opens a savepoint, which makes FTS5 flush its pending terms into a new index
segment (see transaction()); the schema and bulk upserts use sqlite-utils (schema.py).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from ..clean.normalize import CHINA_TZ


def now() -> str:
    """The time of a write, as stored: ISO 8601 in China's zone, to the second."""
    return datetime.now(CHINA_TZ).isoformat(timespec="seconds")


def get_row(db, table: str, row_id: int) -> dict | None:
    cursor = db.execute(f'SELECT * FROM "{table}" WHERE rowid = ?', [row_id])
    row = cursor.fetchone()
    return dict(zip((column[0] for column in cursor.description), row)) if row else None


def insert_row(db, table: str, record: dict) -> int:
    columns = ", ".join(f'"{name}"' for name in record)
    return db.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(record))})',
                      list(record.values())).lastrowid


def update_row(db, table: str, row_id: int, record: dict) -> None:
    assignments = ", ".join(f'"{name}" = ?' for name in record)
    db.execute(f'UPDATE "{table}" SET {assignments} WHERE rowid = ?', [*record.values(), row_id])


@contextmanager
def transaction(db):
    """A transaction, or nothing new inside one: no savepoint, because releasing a savepoint
    makes FTS5 flush its pending terms into a new index segment (per page, that was a tenth
    of reclean's time)."""
    if db.conn.in_transaction:
        yield db
    else:
        with db.atomic():
            yield db
