"""Push campaigns from Python: outputs as columns (CSV, JSON Lines, Parquet), the push log's memory
through responses appended from Python, idempotence, targets and errors naming file and line."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import learnrec
from learnrec import campaign

pd = pytest.importorskip("pandas")

COURSES = [f"C{c}" for c in range(8)]
LEARNERS = ["L0", "L1", "L2"]


@pytest.fixture()
def setup(tmp_path):
    """A 3 x 8 ALS model saved with ids, a catalogue whose learners.csv adds a new learner N1."""
    rng = np.random.default_rng(0)
    dense = (rng.random((3, 8)) < 0.4).astype(np.float32)
    dense[:, 0] = 1.0
    model = learnrec.ImplicitALS(factors=4, iterations=5, random_state=0).fit(scipy.sparse.csr_matrix(dense))
    model.save(tmp_path / "m.lrc", learner_ids=LEARNERS, course_ids=COURSES)
    cat = tmp_path / "catalogue"
    cat.mkdir()
    (cat / "courses.csv").write_text("course_id,format\n" + "".join(f"{c},e-learning\n" for c in COURSES))
    (cat / "learners.csv").write_text(
        "learner_id,country,department\nL0,France,Sales\nL1,Germany,IT\nL2,France,IT\nN1,France,Sales\n")
    (cat / "obligations.csv").write_text("course_id,scope,value,due\nC7,learner,L1,2026-06-10\n")
    return tmp_path, tmp_path / "m.lrc", cat


def run(setup, out, campaign_id="w1", **kw):
    root, model, cat = setup
    return campaign.push(model, cat, log=root / "log.csv", out=root / out, now="2026-06-01", campaign=campaign_id,
                         k=3, num_threads=1, **kw)


def test_push_writes_rows_as_columns_with_the_contract_header(setup):
    report = run(setup, "out.csv")
    frame = campaign.read_campaign(setup[0] / "out.csv")
    assert list(frame.columns) == list(campaign.OUTPUT_COLUMNS)
    assert frame["rank"].dtype == np.int32 and frame["score"].dtype == np.float32
    assert set(frame["learner_id"]) == {"L0", "L1", "L2", "N1"}
    assert report["pushes"] == len(frame) and report["learners_reached"] == 4


def test_obligation_due_soon_is_pushed_first_and_marked(setup):
    run(setup, "out.csv")
    frame = campaign.read_campaign(setup[0] / "out.csv")
    first = frame[(frame.learner_id == "L1") & (frame["rank"] == 1)].iloc[0]
    assert first.course_id == "C7" and bool(first.mandatory) and "mandatory" in first.reason_kinds


def test_parquet_and_jsonl_hold_the_same_rows_as_csv(setup):
    run(setup, "out.csv")
    run(setup, "out.parquet", campaign_id="w1")
    run(setup, "out.jsonl", campaign_id="w1")
    csv = campaign.read_campaign(setup[0] / "out.csv")
    for name in ("out.parquet", "out.jsonl"):
        other = campaign.read_campaign(setup[0] / name)
        assert list(other.columns) == list(csv.columns)
        assert other[["learner_id", "rank", "course_id"]].equals(csv[["learner_id", "rank", "course_id"]])


def test_rerunning_a_campaign_id_logs_nothing_twice(setup):
    run(setup, "out.csv")
    before = (setup[0] / "log.csv").read_text()
    again = run(setup, "out.csv")
    assert again["logged"] == 0 and again["already_logged"] == again["pushes"]
    assert (setup[0] / "log.csv").read_text() == before


def test_responses_appended_from_python_steer_the_next_campaign(setup):
    run(setup, "w1.csv")
    log = campaign.read_push_log(setup[0] / "log.csv")
    assert set(log["event"]) == {"pushed"}
    first = log[log.learner_id == "L0"].iloc[0]
    campaign.append_responses(setup[0] / "log.csv", pd.DataFrame({
        "time": ["2026-06-02"], "campaign": ["w1"], "learner_id": ["L0"], "course_id": [first.course_id],
        "event": ["dismissed"]}))
    root, model, cat = setup
    campaign.push(model, cat, log=root / "log.csv", out=root / "w2.csv", now="2026-09-01", campaign="w2", k=3,
                  num_threads=1)
    w2 = campaign.read_campaign(root / "w2.csv")
    assert first.course_id not in set(w2[w2.learner_id == "L0"].course_id)


def test_target_by_country_reaches_only_that_country(setup):
    run(setup, "fr.csv", countries=["France"])
    frame = campaign.read_campaign(setup[0] / "fr.csv")
    assert set(frame["learner_id"]) == {"L0", "L2", "N1"}


def test_unknown_learner_in_the_log_names_file_and_line_and_writes_nothing(setup):
    root = setup[0]
    (root / "log.csv").write_text("time,campaign,learner_id,course_id,event\n2026-05-01,a,ZZ,C0,pushed\n")
    with pytest.raises(learnrec.LearnrecError, match=r"log.csv:2: unknown learner 'ZZ'"):
        run(setup, "out.parquet")
    assert not (root / "out.parquet").exists()
    assert sorted(p.name for p in root.iterdir()) == ["catalogue", "log.csv", "m.lrc"]


def test_the_report_carries_the_model_version(setup):
    report = run(setup, "out.csv")
    assert report["model_version"] == learnrec.load(setup[1]).metadata["model_version"]


def test_why_not_names_the_push_log_rule_that_holds_a_course_back(setup):
    root, model, cat = setup
    run(setup, "w1.csv")
    pushed = campaign.read_campaign(root / "w1.csv")
    first = pushed[pushed.learner_id == "L0"].iloc[0].course_id
    answer = campaign.why_not(model, cat, log=root / "log.csv", learner="L0", course=first, now="2026-06-08",
                              campaign="w2", k=3)
    assert answer["removed_by"] == "push_log" and answer["rank"] is None
    assert answer["push_log"]["rule"] == "repeat" and answer["push_log"]["last_pushed"] == "2026-06-01"
    assert "suppressed by the push log (pushed on 2026-06-01" in answer["text"]
    assert answer["model_version"] == learnrec.load(model).metadata["model_version"]
    # The same week re-run (its own records are not memory): the course is back at its rank.
    again = campaign.why_not(model, cat, log=root / "log.csv", learner="L0", course=first, now="2026-06-01",
                             campaign="w1", k=3)
    assert again["rank"] == 1 and again["push_log"]["rule"] is None


def test_digests_group_each_targeted_learner_under_their_manager(setup):
    root, model, cat = setup
    (cat / "learners.csv").write_text("learner_id,country,department,manager_id\n"
                                      "L0,France,Sales,L2\nL1,Germany,IT,L2\nL2,France,IT,\nN1,France,Sales,M9\n")
    report = run(setup, "out.csv", digests=root / "digests")
    digests = campaign.read_digests(root / "digests")
    assert report["digests"] == 2
    assert {m: sorted(x["learner_id"] for x in d["members"]) for m, d in digests.items()} == {
        "L2": ["L0", "L1"], "M9": ["N1"]}
    assert (root / "digests" / "L2.md").read_text().startswith("# Team digest for L2")


def test_digests_list_a_members_overdue_obligation_and_pushed_courses(setup):
    root, model, cat = setup
    (cat / "learners.csv").write_text("learner_id,country,department,manager_id\n"
                                      "L0,France,Sales,L2\nL1,Germany,IT,L2\nL2,France,IT,\nN1,France,Sales,\n")
    (cat / "obligations.csv").write_text("course_id,scope,value,due\nC7,learner,L1,2026-05-10\n")
    run(setup, "out.csv", digests=root / "digests")
    l1 = next(m for m in campaign.read_digests(root / "digests")["L2"]["members"] if m["learner_id"] == "L1")
    frame = campaign.read_campaign(root / "out.csv")
    assert [o["course_id"] for o in l1["overdue"]] == ["C7"] and l1["upcoming"] == []
    assert [p["course_id"] for p in l1["pushed"]] == list(frame[frame.learner_id == "L1"].course_id)
