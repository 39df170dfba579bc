"""Everything the sampling screen loads is precached, so it opens and scans with no network."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORT = re.compile(r"""^import\s[^;]*?from\s+"([^"]+)";""", re.M | re.S)
VENDOR = re.compile(r'"(/static/vendor/[^"]+)"')
FOLDERS = {"/static/": ROOT / "static", "/client/offline/": ROOT / "offline" / "client",
           "/client/scanner/": ROOT / "scanner" / "client"}


def file_of(url: str) -> Path:
    prefix = next(p for p in FOLDERS if url.startswith(p))
    return FOLDERS[prefix] / url[len(prefix):]


def loaded_by(url: str) -> set[str]:
    """The URL, every module it imports (transitively) and the vendor files it names."""
    seen, todo = set(), [url]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        text = file_of(current).read_text(encoding="utf-8")
        base = current.rsplit("/", 1)[0] + "/"
        for spec in IMPORT.findall(text):
            todo.append(base + spec[2:] if spec.startswith("./") else spec)
        seen.update(VENDOR.findall(text))  # the polyfill and its .wasm, loaded on demand
    return seen


def precached(client) -> set[str]:
    """The URLs the service worker precaches (its manifest, inlined in /sw.js)."""
    text = client.get("/sw.js").get_data(as_text=True)
    return set(json.loads(re.search(r'\{"version".*?\]\}', text).group(0))["urls"])


def test_every_file_the_sampling_screen_loads_is_precached(client):
    needed, urls = loaded_by("/static/js/sampling.js"), precached(client)
    assert "/client/scanner/camera.js" in needed and "/static/vendor/zxing_reader.wasm" in needed
    assert needed - urls == set()
    assert "/shell/sampling" in urls


def test_every_file_the_attention_page_loads_is_precached(client):
    needed, urls = loaded_by("/static/js/attention.js"), precached(client)
    assert "/static/js/sampling-state.js" in needed and "/static/js/record-errors.js" in needed
    assert needed - urls == set()
    assert "/offline/attention" in urls
