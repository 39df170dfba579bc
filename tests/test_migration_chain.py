"""The migrations form one chain, in the order their files are listed (issue 19): the next
migration is written after the last file, and its down_revision is that file's revision.
A second head would make `checkpoint init` refuse to upgrade on every deployed instance."""
from contextlib import contextmanager
from pathlib import Path

from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def revision_before(revision: str) -> str:
    """The revision a migration follows in the chain (what its test starts from)."""
    return ScriptDirectory(str(MIGRATIONS)).get_revision(revision).down_revision


@contextmanager
def written_before(url: str, revision: str, rows: list[str], params: dict | None = None):
    """Inside an app context on `url`, migrated up to just before `revision` and holding `rows`
    (SQL; each gets the `params` it names as :name): where a migration test starts. The
    connections are closed on the way out."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from server import create_app
    from server.extensions import db
    from tests.conftest import base_config

    app = create_app(base_config(url))
    with app.app_context():
        try:
            upgrade(revision=revision_before(revision))
            with db.engine.begin() as conn:
                for row in rows:
                    conn.execute(text(row), {k: v for k, v in (params or {}).items() if f":{k}" in row})
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def test_one_head_and_files_in_chain_order():
    scripts = ScriptDirectory(str(MIGRATIONS))
    assert len(scripts.get_heads()) == 1, scripts.get_heads()
    chain = [script.revision for script in reversed(list(scripts.walk_revisions()))]
    files = sorted(path.name for path in (MIGRATIONS / "versions").glob("*.py"))
    by_file = [scripts.get_revision(name.split("_")[1]).revision for name in files]
    assert by_file == chain, f"files {files} are not in chain order {chain}: number them NN_<rev>_<slug>.py"
    assert all(name[:2].isdigit() and name[2] == "_" for name in files), files
