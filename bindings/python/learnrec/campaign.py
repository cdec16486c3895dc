"""Push campaigns: every learner's next courses, delivered at company scale without nagging.

:func:`push` runs one campaign from files in one C++ call (GIL released): the model file, the
catalogue directory, the push log (appended to), the rules file. It ranks every targeted learner
with the ranking layer, leaves out what the push log says not to push again (pushed within
``repeat_days``, ``max_unanswered`` pushes without a response, dismissed), caps pushes per period,
applies the score floor (``min_score``: nothing worth pushing -> nothing), always sends obligations
due soon, optionally adds one exploration slot for new courses, and writes one row per
(learner, rank, course). Re-running a campaign id logs nothing twice. Outputs: CSV and JSON Lines
(from C++), Parquet (through pyarrow); all written to a temporary file renamed at the end.

Example::

    report = learnrec.campaign.push("als.lrc", "academy/", log="push_log.csv", out="week1.parquet",
                                    now="2026-01-05", campaign="2026-w02", rules="rules.json",
                                    countries=["France"])
    frame = learnrec.campaign.read_campaign("week1.parquet")      # pandas.DataFrame
    learnrec.campaign.append_responses("push_log.csv", responses)  # opened / clicked / enrolled / dismissed
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Callable, Dict, Optional, Sequence, Union

from . import _core

__all__ = ["push", "read_campaign", "read_push_log", "append_responses", "read_digests", "why_not",
           "OUTPUT_COLUMNS", "PUSH_EVENTS"]

#: Columns of a campaign's output, in order.
OUTPUT_COLUMNS = ("campaign", "learner_id", "rank", "course_id", "score", "model_score", "mandatory",
                  "exploration", "reason_kinds", "reasons")
#: Events a push log records.
PUSH_EVENTS = ("pushed", "opened", "clicked", "enrolled", "dismissed")

PathLike = Union[str, "os.PathLike[str]"]


def _progress_bar(enabled: bool) -> Optional[Callable[[int, int], None]]:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # progress is a comfort, not a requirement
        return None
    bar: Dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, unit="learner", desc="campaign")
        bar["bar"].update(done - bar["bar"].n)
        if done >= total:
            bar["bar"].close()

    return update


def push(model: PathLike, catalogue: PathLike, *, log: PathLike, out: PathLike, now: str, campaign: str,
         rules: Optional[PathLike] = None, k: Optional[int] = None, format: Optional[str] = None,
         events: Optional[PathLike] = None, countries: Sequence[str] = (), regions: Sequence[str] = (),
         departments: Sequence[str] = (), roles: Sequence[str] = (), learners: Sequence[str] = (),
         num_threads: int = 0, progress: bool = False, digests: Optional[PathLike] = None) -> Dict[str, Any]:
    """Runs one push campaign; returns its report (learners reached, pushes by reason and format,
    coverage, share mandatory, median score, suppressions by rule).

    ``format`` is ``"csv"``, ``"jsonl"`` or ``"parquet"`` (default: from ``out``'s extension, else
    CSV). ``digests``: a directory for one digest per manager (learners.csv ``manager_id``), JSON
    and Markdown, plus ``index.json`` (see :func:`read_digests`). ``k`` defaults to the rules file's (10 without one). Target filters combine with AND; values within one filter with OR. Raises
    :class:`learnrec.LearnrecError` (naming file and line) on bad input, with nothing written.
    """
    out = os.fspath(out)
    if format is None:
        ext = os.path.splitext(out)[1].lower()
        format = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}.get(ext, "csv")
    if format not in ("csv", "jsonl", "parquet"):
        raise ValueError(f"format must be 'csv', 'jsonl' or 'parquet', got {format!r}")
    if k is not None and k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    args = dict(model=os.fspath(model), catalogue=os.fspath(catalogue), log=os.fspath(log), now=str(now),
                campaign=str(campaign), rules=os.fspath(rules) if rules else "", k=int(k or 0),
                events=os.fspath(events) if events else "", countries=list(countries), regions=list(regions),
                departments=list(departments), roles=list(roles), learners=list(learners),
                num_threads=int(num_threads), progress=_progress_bar(progress),
                digests=os.fspath(digests) if digests else "")
    if format != "parquet":
        return json.loads(_core.run_campaign(out=out, format=format, **args))
    # Parquet: C++ writes CSV next to the target; pyarrow converts it into a temporary file that
    # replaces the target at the end (atomic, as the other formats).
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    directory = os.path.dirname(os.path.abspath(out))
    fd, staged_csv = tempfile.mkstemp(prefix=".campaign-", suffix=".csv", dir=directory)
    os.close(fd)
    fd, staged_parquet = tempfile.mkstemp(prefix=".campaign-", suffix=".parquet", dir=directory)
    os.close(fd)
    try:
        report = json.loads(_core.run_campaign(out=staged_csv, format="csv", **args))
        pq.write_table(_read_csv_table(staged_csv, pacsv), staged_parquet)
        with open(staged_parquet, "rb") as f:
            os.fsync(f.fileno())
        os.replace(staged_parquet, out)
    finally:
        for p in (staged_csv, staged_parquet):
            if os.path.exists(p):
                os.unlink(p)
    return report


def why_not(model: PathLike, catalogue: PathLike, *, log: PathLike, learner: str, course: str, now: str,
            campaign: str = "", rules: Optional[PathLike] = None, k: Optional[int] = None,
            events: Optional[PathLike] = None, num_threads: int = 0) -> Dict[str, Any]:
    """Why ``course`` is or is not among what a campaign would push ``learner`` at ``now``, given
    the push ``log`` (learnrec::campaign::why_not_pushed; ``learnrec why-not --log``).

    The learner is ranked as :func:`push` ranks them (same files, rules and ``k``) with the
    courses the log holds back left out. Returns the dict of ``Ranker.why_not`` (``rank``,
    ``removed_by`` — ``"push_log"`` when the log holds it —, ``rules``, ``text``, scores, facts)
    plus ``push_log`` (``rule``: dismissed / enrolled / unanswered / repeat or None, ``pushes``,
    ``unanswered``, ``last_pushed``, ``dismissed_at``) and ``model_version``. ``campaign``: an id
    whose own records are not memory (as a re-run of it).
    """
    if k is not None and k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return _core.campaign_why_not(os.fspath(model), os.fspath(catalogue), os.fspath(log), str(learner), str(course),
                                  str(now), str(campaign), os.fspath(rules) if rules else "", int(k or 0),
                                  os.fspath(events) if events else "", int(num_threads))


def _read_csv_table(path: str, pacsv: Any) -> Any:
    import pyarrow as pa

    types = {"campaign": pa.string(), "learner_id": pa.string(), "rank": pa.int32(), "course_id": pa.string(),
             "score": pa.float32(), "model_score": pa.float32(), "mandatory": pa.bool_(), "exploration": pa.bool_(),
             "reason_kinds": pa.string(), "reasons": pa.string()}
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=False, true_values=["1"], false_values=["0"]))


def read_campaign(path: PathLike) -> "Any":
    """A campaign's output (CSV, JSON Lines or Parquet) as a pandas.DataFrame with the columns
    :data:`OUTPUT_COLUMNS` (rank int32, scores float32, mandatory/exploration bool)."""
    import pandas as pd

    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext == ".parquet":
        return pd.read_parquet(path)
    if ext in (".jsonl", ".ndjson"):
        frame = pd.read_json(path, lines=True, dtype=False)
        if frame.empty:
            return pd.DataFrame(columns=list(OUTPUT_COLUMNS))
        frame["reason_kinds"] = frame["reasons"].map(lambda rs: ";".join(r["kind"] for r in rs))
        frame["reasons"] = frame["reasons"].map(lambda rs: "; ".join(r["text"] for r in rs))
        frame = frame[list(OUTPUT_COLUMNS)]
    else:
        import pyarrow.csv as pacsv

        return _read_csv_table(path, pacsv).to_pandas()
    return frame.astype({"rank": "int32", "score": "float32", "model_score": "float32", "mandatory": bool,
                         "exploration": bool})


def read_push_log(path: PathLike) -> "Any":
    """The push log as a pandas.DataFrame: time (datetime64[ns, UTC]), campaign, learner_id,
    course_id, event (categorical), mandatory (bool). A torn last line (no newline) is dropped."""
    import pandas as pd

    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    data = data[: data.rfind(b"\n") + 1]
    import io

    if path.endswith((".jsonl", ".ndjson")):
        frame = pd.read_json(io.BytesIO(data), lines=True, dtype=False, convert_dates=False)
    else:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    if "mandatory" not in frame:
        frame["mandatory"] = False
    frame["mandatory"] = frame["mandatory"].map(lambda v: str(v).lower() in ("1", "true"))
    frame["time"] = pd.to_datetime(frame["time"], utc=True, format="ISO8601")
    frame["event"] = pd.Categorical(frame["event"], categories=list(PUSH_EVENTS))
    return frame


def append_responses(log: PathLike, responses: "Any") -> None:
    """Appends responses (or any push-log records) to a push log, fsync'ed. ``responses``: a
    DataFrame (or mapping of columns) with time, campaign, learner_id, course_id, event."""
    cols = {name: [str(v) for v in responses[name]] for name in ("time", "campaign", "learner_id", "course_id",
                                                                 "event")}
    _core.append_push_records(os.fspath(log), cols["time"], cols["campaign"], cols["learner_id"], cols["course_id"],
                              cols["event"])


def read_digests(directory: PathLike) -> Dict[str, Dict[str, Any]]:
    """The manager digests a campaign wrote (``push(..., digests=directory)``): manager id -> its
    digest (members with overdue / upcoming obligations, pushed courses and skill gaps; the team's
    skill gaps), as the JSON files hold them."""
    directory = os.fspath(directory)
    with open(os.path.join(directory, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    out: Dict[str, Dict[str, Any]] = {}
    for entry in index["managers"]:
        with open(os.path.join(directory, entry["json"]), encoding="utf-8") as f:
            out[entry["manager_id"]] = json.load(f)
    return out
