"""The recovery file: enough to put a session back exactly as it was.

It is JSON, read with the same care as a snapshot file (capped size, every field
checked, nothing executed), since anything in the app-data folder may have been
replaced::

    {"format": "backprop-lab/recovery", "version": 1,
     "run": <the shown run as a snapshot document, at its newest iteration>,
     "iteration": <the shown iteration>,
     "snapshots": [{"iteration": k} for an entry of the shown run,
                   {"iteration": k, "run": <snapshot document>} for another run's],
     "sample": <the selected sample>, "file": <the snapshot file worked on, or null>}

The run is stored as a snapshot document (``nncore.snapshot``), so restoring it
replays the initial weights and every hand edit and learning-rate change at its
iteration: the restored run is the same, bit for bit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from nncore.errors import LoadError
from nncore.files import decode_utf8, read_capped
from nncore.json_fields import parse_json
from nncore.snapshot import SIZE_CAP, snapshot_dict, snapshot_steps

FORMAT = "backprop-lab/recovery"
VERSION = 1
MAX_SNAPSHOTS = 1000  # entries a recovery file may list
# The shown run and every snapshot of another run are each a snapshot document.
FILE_CAP = 4 * SIZE_CAP


@dataclass
class Restored:
    """A session read back: the run at ``iteration``, the Snapshots list as
    ``(run, iteration, dataset_name)`` triples, the selected sample, the file."""
    run: object
    iteration: int
    dataset_name: str
    snapshots: list
    sample: int
    file: str | None


def recovery_doc(session, file=None, cache=None):
    """The recovery document of ``session``. ``cache`` (a dict) keeps the snapshot
    documents of entries of other runs between autosaves: they never change."""
    run, name = session.run, session.cursor.config.dataset_name
    cache = {} if cache is None else cache
    entries = []
    for entry in session.snapshots:
        k = entry.iteration
        if entry.run is run and entry.held_by(run):
            entries.append({"iteration": k})
            continue
        key = id(entry)
        if key not in cache or cache[key][0] is not entry:
            own = session.snapshots.snapshot_run(entry)  # its own run, or a replay
            cache[key] = (entry, snapshot_dict(own, k, entry.dataset_name))
        entries.append({"iteration": k, "run": cache[key][1]})
    return {
        "format": FORMAT,
        "version": VERSION,
        "run": snapshot_dict(run, run.newest, name),
        "iteration": session.iteration,
        "snapshots": entries,
        "sample": session.selection.sample,
        "file": file,
    }


def recovery_bytes(doc):
    return json.dumps(doc, allow_nan=False, separators=(",", ":")).encode("utf-8")


def read_recovery(path):
    """The recovery document at ``path``, its outer fields checked; LoadError if not."""
    text = decode_utf8(path, read_capped(path, FILE_CAP))
    doc = parse_json(path, text)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise LoadError(path, "not a Backprop Lab recovery file", "format")
    if doc.get("version") != VERSION:
        raise LoadError(path, f"unknown version {str(doc.get('version'))[:20]!r}", "version")
    for key, kind in (("run", dict), ("snapshots", list)):
        if not isinstance(doc.get(key), kind):
            raise LoadError(path, f"expected a JSON {kind.__name__.replace('dict', 'object')}",
                            key)
    if len(doc["snapshots"]) > MAX_SNAPSHOTS:
        raise LoadError(path, f"more than {MAX_SNAPSHOTS} snapshots", "snapshots")
    for key in ("iteration", "sample"):
        if not _whole(doc.get(key)):
            raise LoadError(path, "expected a whole number 0 or more", key)
    if doc.get("file") is not None and not isinstance(doc["file"], str):
        raise LoadError(path, "expected a file name or null", "file")
    for i, entry in enumerate(doc["snapshots"]):
        if not isinstance(entry, dict) or not _whole(entry.get("iteration")) or not (
                isinstance(entry.get("run", {}), dict)):
            raise LoadError(path, "expected {\"iteration\": k} and an optional run",
                            f"snapshots[{i}]")
    return doc


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def restore_steps(doc, path):
    """A generator that replays the runs of ``doc`` (yielding ``(done, total)``) and
    returns a :class:`Restored`; LoadError names the field that is wrong."""
    run, newest = yield from _run_steps(doc["run"], path, "run")
    k = doc["iteration"]
    if k > newest:
        raise LoadError(path, f"{k} is past the run's newest iteration {newest}", "iteration")
    if doc["sample"] >= run.X.shape[0]:
        raise LoadError(path, f"no sample {doc['sample']} in {run.X.shape[0]} rows", "sample")
    name = doc["run"].get("dataset", {}).get("name", "file")
    snapshots = []
    for i, entry in enumerate(doc["snapshots"]):
        at = entry["iteration"]
        if "run" in entry:
            own, own_k = yield from _run_steps(entry["run"], path, f"snapshots[{i}].run")
            if own_k != at:
                raise LoadError(path, f"the run ends at {own_k}, not {at}",
                                f"snapshots[{i}].iteration")
            snapshots.append((own, at, entry["run"]["dataset"]["name"]))
        elif at > newest:
            raise LoadError(path, f"{at} is past the run's newest iteration {newest}",
                            f"snapshots[{i}].iteration")
        else:
            snapshots.append((run, at, name))
    return Restored(run, k, str(name), snapshots, doc["sample"], doc["file"])


def _run_steps(run_doc, path, field):
    try:
        return (yield from snapshot_steps(run_doc, path))
    except LoadError as exc:
        raise LoadError(path, exc.problem, f"{field}: {exc.where}" if exc.where else field
                        ) from None
