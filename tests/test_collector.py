"""The served app leaves the garbage collector little to walk (server/collector.py): a count
of objects, like the statement counts, guards what a full collection costs a worker."""
import base64
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = ("import gc, json, wsgi; gc.collect(); print(json.dumps({'frozen': gc.get_freeze_count(), "
         "'walked': len(gc.get_objects()), 'young': gc.get_threshold()[0]}))")


def test_a_full_collection_in_a_served_process_walks_what_requests_left_not_the_app(tmp_path):
    key = base64.b64encode(os.urandom(32)).decode()
    env = {**os.environ, "CHECKPOINT_SECRET_KEY": "s" * 48, "CHECKPOINT_DATA_KEY": key,
           "CHECKPOINT_HASH_KEY": key, "CHECKPOINT_INSTANCE_PATH": str(tmp_path / "instance"),
           "CHECKPOINT_DATABASE_URL": f"sqlite:///{tmp_path}/checkpoint.db"}
    env.pop("CHECKPOINT_TEST_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    counts = json.loads(out.splitlines()[-1])
    # The app builds ~160,000 objects at start-up; a full collection used to walk them all
    # (~140 ms with every thread of the worker stopped).
    assert counts["frozen"] > 100_000, counts
    assert counts["walked"] < 5_000, counts
    assert counts["young"] >= 10_000, counts
