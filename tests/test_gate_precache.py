"""Everything the gate screen and the status bar load is precached: the gate opens, scans (wedge
and camera) and saves with no network."""
import json
import re

from tests.test_sampling_precache import loaded_by


def test_every_file_the_gate_screen_and_the_status_bar_load_is_precached(client):
    text = client.get("/sw.js").get_data(as_text=True)
    manifest = json.loads(re.search(r'\{"version".*?\]\}', text).group(0))
    needed = loaded_by("/static/js/gate.js") | loaded_by("/client/offline/status.js")
    for module in ("/static/js/gate-passage.js", "/client/scanner/wedge.js", "/client/scanner/camera.js",
                   "/client/offline/reach.js", "/client/offline/statusbar.js", "/static/vendor/zxing_reader.wasm"):
        assert module in needed
    assert needed - set(manifest["urls"]) == set()
    assert "/shell/gate" in manifest["urls"]
