"""The garbage collector of a serving process, settled once the app is built.

Measured on a sync batch of 100 records (bench.ingest_cpu): Python's default collector ran
two young collections per batch (~0.7 ms) and, every ~100 batches, a full one that walked the
~170,000 objects the app builds at start-up (models, routes, templates, compiled statements)
in ~140 ms with the GIL held: every thread of the worker stood still, and the batches in
flight took that much longer. Nearly everything a request allocates is freed by reference
counting, so the collector has little to find:

- gc.freeze(): what exists once the app is built lives as long as the process; no collection
  walks it again (a full collection then takes ~7 ms). In a pre-forked server it also keeps the
  pages shared with the parent from being copied by collections (gunicorn's docs advise it).
- A young generation of 10,000 objects instead of 700: a batch's transient peak no longer
  triggers collections that find nothing; cycles are still collected, a little later."""
import gc

YOUNG_THRESHOLD = 10_000


def settle() -> None:
    """Call once the app is built, before serving requests."""
    gc.collect()
    gc.freeze()
    _young, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
