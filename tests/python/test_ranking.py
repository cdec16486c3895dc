"""learnrec.ranking through the bindings: each rule on small hand-built catalogues, files, output."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse

import learnrec
from learnrec import _core
from learnrec.ranking import Ranker, load_rules, to_timestamp

NOW = "2026-06-01"


def fixed_model(scores, learners=1):
    """A model scoring course c as scores[c] for every learner (1-d factors)."""
    users = np.ones((learners, 1), dtype=np.float32)
    items = np.asarray(scores, dtype=np.float32).reshape(-1, 1)
    return _core.AlsModel(users, items, _core.AlsConfig())


def descending(n, learners=1):
    return fixed_model(np.arange(n, 0, -1), learners)


def courses(n, **columns):
    rows = [{"id": f"C{c}", "title": f"Course {c}"} for c in range(n)]
    for key, values in columns.items():
        for c, v in values.items():
            rows[c][key] = v
    return rows


def ids(result, row=0):
    r = result.ids[row]
    return r[r >= 0].tolist()


def test_to_timestamp_reads_dates_in_every_form():
    import datetime as dt

    assert to_timestamp("2026-06-01") == 1780272000
    assert to_timestamp(dt.date(2026, 6, 1)) == 1780272000
    assert to_timestamp(dt.datetime(2026, 6, 1, 1, 0)) == 1780272000 + 3600
    assert to_timestamp(np.datetime64("2026-06-01")) == 1780272000
    assert to_timestamp(1780272000) == 1780272000
    with pytest.raises(ValueError, match="not a date"):
        to_timestamp("first of June")


def test_gap_boost_zero_equals_the_models_recommendations(user_items):
    model = learnrec.ImplicitALS(factors=8, iterations=5, random_state=3, num_threads=2).fit(user_items)
    n = user_items.shape[1]
    cat = courses(n, skills={c: {"python": 1 + c % 3} for c in range(n)})
    learners = [{"id": f"L{u}", "target_skills": {"python": 3}} for u in range(user_items.shape[0])]
    ranker = Ranker(model, cat, learners)
    who = np.arange(20)
    result = ranker.recommend(who, NOW, k=5, gap_boost=0.0, num_threads=1)
    plain_ids, plain_scores = model.recommend(who, user_items[who], N=5, filter_already_liked_items=False)
    np.testing.assert_array_equal(result.ids, plain_ids)
    np.testing.assert_array_equal(result.scores, plain_scores)
    boosted = ranker.recommend(who, NOW, k=5, gap_boost=10.0)
    assert not np.array_equal(boosted.ids, plain_ids)
    assert all(n3["skills"]["python"] >= 2 for n3 in (cat[c] for c in boosted.ids[:, 0]))


def test_gap_boost_moves_the_course_closing_the_gap_up_with_its_reason():
    cat = courses(6, skills={4: [("cybersecurity", 2)], 5: ["cybersecurity:3"]})
    ranker = Ranker(descending(6), cat, [{"id": "L1", "target_skills": [{"skill": "cybersecurity", "level": 3}]}])
    result = ranker.recommend(0, NOW, k=3, gap_boost=6.0)
    assert ids(result) == [5, 0, 4]
    assert result.scores[0, 0] == pytest.approx(7.0)
    assert result.model_scores[0, 0] == pytest.approx(1.0)
    assert {"kind": "skill_gap", "skill": "cybersecurity", "level": 3,
            "text": "closes your gap in cybersecurity (target level 3)"} in result.reasons[0][0]


def test_completed_courses_stay_out_failed_ones_and_expired_certifications_return():
    cat = courses(6, validity_months={0: 12})
    history = [
        {"learner": 0, "course": "C0", "outcome": "completed", "completed_at": "2025-05-01"},  # expired 2026-05-01
        {"learner": 0, "course": 1, "outcome": "completed", "completed_at": "2025-05-01"},
        {"learner": 0, "course": 2, "outcome": "failed"},
        {"learner": 0, "course": 3, "outcome": "in_progress"},
    ]
    ranker = Ranker(descending(6), cat, history=history)
    result = ranker.recommend([0], NOW, k=3)
    assert ids(result) == [0, 2, 4]
    assert result.reasons[0][0][0] == {"kind": "renewal", "date": "2026-05-01",
                                       "text": "your certification expired on 2026-05-01"}


def test_history_from_a_scipy_matrix_excludes_taken_courses():
    m = scipy.sparse.csr_matrix(np.array([[0, 3, 0, 1, 0], [1, 0, 0, 0, 0]], dtype=np.float32))
    ranker = Ranker(descending(5, learners=2), courses(5), history=m)
    result = ranker.recommend([0, 1], NOW, k=3)
    assert ids(result, 0) == [0, 2, 4]
    assert ids(result, 1) == [1, 2, 3]


def test_obligations_are_pinned_by_due_date_and_marked_mandatory():
    learners = [{"id": "L1", "department": "Sales", "role": "engineer"}, {"id": "L2"}]
    obligations = [
        {"course": "C7", "scope": "all", "due": "2026-08-01"},
        {"course": "C6", "scope": "department", "value": "Sales", "due": "2026-06-20"},
        {"course": "C5", "scope": "role", "value": "engineer", "due": "2027-03-01"},
        {"course": "C4", "scope": "learner", "value": "L2", "due": "2026-05-01"},
    ]
    ranker = Ranker(descending(8, learners=2), courses(8), learners, obligations=obligations)
    result = ranker.recommend([0, 1], NOW, k=4)
    assert ids(result, 0) == [6, 7, 0, 1]
    assert ids(result, 1) == [4, 7, 0, 1]
    assert result.mandatory[0].tolist() == [True, True, False, False]
    assert result.reasons[0][1][0] == {"kind": "mandatory", "date": "2026-08-01", "text": "mandatory, due 2026-08-01"}


def test_prerequisites_hold_back_or_substitute():
    prerequisites = [("C0", "C4"), ("C0", "C5"), ("C4", "C3")]
    ranker = Ranker(descending(6), courses(6), prerequisites=prerequisites)
    assert ids(ranker.recommend(0, NOW, k=3)) == [1, 2, 3]
    result = ranker.recommend(0, NOW, k=3, prerequisites="substitute")
    assert ids(result) == [3, 1, 2]
    assert result.reasons[0][0][0] == {"kind": "prerequisite_for", "course": 0, "course_id": "C0",
                                       "text": "needed before Course 0"}


def test_a_prerequisite_cycle_is_rejected_naming_a_course():
    with pytest.raises(learnrec.LearnrecError, match=r"prerequisite cycle through course 'C\d'"):
        Ranker(descending(3), courses(3), prerequisites=[("C0", "C1"), ("C1", "C2"), ("C2", "C0")])


def test_eligibility_never_returns_an_ineligible_course_and_still_finds_k():
    rng = np.random.default_rng(5)
    n = 2000
    model = _core.AlsModel(rng.random((30, 4), dtype=np.float32), rng.random((n, 4), dtype=np.float32),
                           _core.AlsConfig())
    cat = [{"id": f"C{c}", "language": "fr" if c % 50 == 0 else "de",
            "format": "classroom" if c % 100 == 0 else "e-learning"} for c in range(n)]
    learners = [{"id": f"L{u}", "languages": "fr;en", "formats": ["e-learning"]} for u in range(30)]
    result = Ranker(model, cat, learners).recommend(np.arange(30), NOW, k=15)
    allowed = [c for c in range(n) if c % 50 == 0 and c % 100 != 0]
    assert len(allowed) == 20
    for u in range(30):
        got = ids(result, u)
        assert len(got) == 15
        assert set(got) <= set(allowed)
        scores = model.user_factors[u] @ model.item_factors[allowed].T
        expected = [allowed[i] for i in np.argsort(-scores, kind="stable")[:15]]
        assert got == expected


def test_sessions_need_an_open_seat_in_the_learners_country_within_the_horizon():
    sessions = [
        {"course": "C0", "start": "2026-07-01", "end": "2026-07-02", "location": "France", "capacity": 10},
        {"course": "C1", "start": "2026-07-01", "end": "2026-07-02", "location": "France", "capacity": 0},
    ]
    learners = [{"id": "A", "country": "France"}, {"id": "B", "country": "Spain"}]
    result = Ranker(descending(4, 2), courses(4), learners, sessions=sessions).recommend([0, 1], NOW, k=2)
    assert ids(result, 0) == [0, 2]
    assert ids(result, 1) == [2, 3]


def test_mmr_lambda_one_keeps_the_order_and_lower_lambda_spreads_topics():
    cat = courses(6, topic=dict(enumerate(["cloud", "cloud", "cloud", "data", "data", "people"])))
    ranker = Ranker(descending(6), cat)
    rules = {"diversity": {"source": "topics", "pool": 6}}
    assert ids(ranker.recommend(0, NOW, rules, k=3, mmr_lambda=1.0)) == [0, 1, 2]
    assert ids(ranker.recommend(0, NOW, rules, k=3, mmr_lambda=0.5)) == [0, 3, 5]


def test_explanations_name_the_completed_course_and_the_department():
    users = np.array([[1.0, 1.0]] * 4, dtype=np.float32)
    items = np.array([[1, 0], [0, 1], [1, 0.1], [0.1, 1]], dtype=np.float32)
    model = _core.AlsModel(users, items, _core.AlsConfig())
    cat = courses(4)
    cat[2]["title"] = "Cloud Basics"
    learners = [{"id": f"L{u}", "department": "Sales"} for u in range(4)]
    history = [{"learner": 0, "course": 2, "outcome": "completed", "completed_at": "2025-01-01"},
               {"learner": 0, "course": 3, "outcome": "completed", "completed_at": "2025-01-01"},
               {"learner": 1, "course": 0, "outcome": "completed", "completed_at": "2025-01-01"},
               {"learner": 2, "course": 0, "outcome": "completed", "completed_at": "2025-01-01"}]
    ranker = Ranker(model, cat, learners, history=history)
    result = ranker.recommend(0, NOW, k=2)
    assert ids(result) == [0, 1]
    because = [r for r in result.reasons[0][0] if r["kind"] == "because_completed"]
    assert because[0]["course_id"] == "C2" and because[0]["text"] == "because you completed Cloud Basics"
    assert because[0]["similarity"] > 0.99
    # Learner 3 took nothing; course 0 is the only one two Sales colleagues completed.
    fresh = ranker.recommend(3, NOW, k=4)
    popular = {int(c): [r["text"] for r in rs if r["kind"] == "popular_in_department"]
               for c, rs in zip(fresh.ids[0], fresh.reasons[0])}
    assert popular == {0: ["popular in your department (Sales)"], 1: [], 2: [], 3: []}


def test_records_are_a_list_of_dicts_pandas_reads():
    ranker = Ranker(descending(5, 2), courses(5), [{"id": "A"}, {"id": "B"}],
                    obligations=[{"course": 4, "scope": "learner", "value": "B", "due": "2026-06-10"}])
    result = ranker.recommend([0, 1], NOW, k=2)
    records = result.records()
    assert [(r["learner_id"], r["rank"], r["course_id"]) for r in records] == [
        ("A", 1, "C0"), ("A", 2, "C1"), ("B", 1, "C4"), ("B", 2, "C0")]
    assert records[2]["mandatory"] is True and records[2]["why"] == "mandatory, due 2026-06-10"
    assert set(records[0]) >= {"learner", "course", "title", "score", "model_score", "reasons"}


def test_records_load_into_a_pandas_dataframe():
    pd = pytest.importorskip("pandas")
    ranker = Ranker(descending(5, 2), courses(5), [{"id": "A"}, {"id": "B"}])
    frame = pd.DataFrame(ranker.recommend([0, 1], NOW, k=3).records())
    assert frame.shape[0] == 6
    assert frame.groupby("learner_id")["course_id"].apply(list).to_dict() == {
        "A": ["C0", "C1", "C2"], "B": ["C0", "C1", "C2"]}


def test_rules_load_from_json_files_and_dicts_and_report_bad_keys(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"k": 4, "skills": {"gap_boost": 0.5}, "prerequisites": {"mode": "substitute"}}))
    rules = load_rules(path)
    assert (rules.k, rules.gap_boost, rules.prerequisites) == (4, 0.5, "substitute")
    assert load_rules({"diversity": {"lambda": 0.3}}).mmr_lambda == pytest.approx(0.3)
    with pytest.raises(learnrec.LearnrecError, match=r"key 'diversity\.lamda' is not a rules setting"):
        load_rules({"diversity": {"lamda": 0.3}})
    path.write_text('{"k": 3,\n "skills": }')
    with pytest.raises(learnrec.LearnrecError, match=r"rules.json: not valid JSON.*line 2"):
        load_rules(path)
    ranker = Ranker(descending(3), courses(3))
    with pytest.raises(TypeError, match="unknown ranking rule 'gap'"):
        ranker.recommend(0, NOW, gap=1)


def test_catalogue_files_feed_the_ranker_and_errors_name_file_and_line(tmp_path):
    (tmp_path / "courses.csv").write_text("course_id,title,languages\nC0,Zero,en\nC1,One,de\nC2,Two,en\n")
    (tmp_path / "prerequisites.csv").write_text("course_id,requires_course_id\nC0,C2\n")
    (tmp_path / "learners.csv").write_text("learner_id,languages\nL0,en\n")
    (tmp_path / "obligations.csv").write_text("course_id,scope,value,due\nC2,learner,L0,2026-06-15\n")
    ranker = Ranker.from_files(descending(3), tmp_path, ["C0", "C1", "C2"], ["L0"])
    result = ranker.recommend(0, NOW, k=3)
    assert ids(result) == [2]
    assert result.records()[0]["title"] == "Two"
    (tmp_path / "learners.csv").write_text("learner_id,languages\nL0,en\nL9,fr\n")
    with pytest.raises(learnrec.LearnrecError, match=r"learners.csv:3: unknown learner 'L9'"):
        Ranker.from_files(descending(3), tmp_path, ["C0", "C1", "C2"], ["L0"])


def test_the_academy_ranker_fills_k_whenever_k_courses_are_admissible_with_every_kind_of_reason():
    user_items, _, _ = learnrec.generate_academy(seed=7, learners=800, courses=120)
    model = learnrec.ImplicitALS(factors=8, iterations=3, random_state=1, num_threads=2).fit(user_items)
    ranker = Ranker.from_academy(model, seed=7, learners=800, courses=120)
    result = ranker.recommend(np.arange(800), "2026-02-01", k=10, gap_boost=0.3, mmr_lambda=0.8)
    everything = ranker.recommend(np.arange(800), "2026-02-01", k=120, gap_boost=0.3)
    admissible = (everything.ids >= 0).sum(axis=1)
    np.testing.assert_array_equal((result.ids >= 0).sum(axis=1), np.minimum(10, admissible))
    assert (admissible >= 10).mean() > 0.5
    kinds = {r["kind"] for slots in result.reasons for slot in slots for r in slot}
    assert {"mandatory", "skill_gap", "because_completed", "popular_in_department"} <= kinds
    records = result.records()
    assert records[0]["learner_id"] == "L000001" and records[0]["course_id"].startswith("C")


def test_reason_columns_hold_what_the_reason_dicts_say():
    user_items, _, _ = learnrec.generate_academy(seed=7, learners=300, courses=80)
    model = learnrec.ImplicitALS(factors=8, iterations=3, random_state=1, num_threads=2).fit(user_items)
    ranker = Ranker.from_academy(model, seed=7, learners=300, courses=80)
    result = ranker.recommend(np.arange(300), "2026-02-01", k=5, gap_boost=0.3)
    texts = result.reason_texts()
    assert len(texts) == len(result.reason_kind) == result.reason_offsets[-1]
    k = result.k
    for row in range(0, 300, 7):
        for rank in range(k):
            s = row * k + rank
            begin, end = result.reason_offsets[s], result.reason_offsets[s + 1]
            dicts = result.reasons_of(row, rank)
            assert [d["kind"] for d in dicts] == [learnrec.ranking.REASON_KINDS[c] for c in result.reason_kind[begin:end]]
            assert [d["text"] for d in dicts] == texts[begin:end]
            assert [d.get("course", -1) for d in dicts] == result.reason_course[begin:end].tolist()
            assert [d.get("skill") for d in dicts] == [result.skill_names[c] if c >= 0 else None
                                                       for c in result.reason_skill[begin:end]]
            assert dicts == result.reasons[row][rank]


def test_columns_give_one_entry_per_recommended_course_like_records():
    user_items, _, _ = learnrec.generate_academy(seed=7, learners=200, courses=60)
    model = learnrec.ImplicitALS(factors=8, iterations=3, random_state=1, num_threads=2).fit(user_items)
    ranker = Ranker.from_academy(model, seed=7, learners=200, courses=60)
    result = ranker.recommend(np.arange(200), "2026-02-01", k=8)
    cols = result.columns()
    records = result.records()
    assert len(cols["course"]) == len(records)
    assert cols["course"].tolist() == [r["course"] for r in records]
    assert cols["rank"].tolist() == [r["rank"] for r in records]
    assert cols["learner"].tolist() == [r["learner"] for r in records]
    np.testing.assert_array_equal(cols["score"], np.array([r["score"] for r in records], dtype=np.float32))
    assert cols["reasons"].tolist() == [len(r["reasons"]) for r in records]


# ---- learners the model was not trained on ---------------------------------------------------------


def test_new_learners_described_like_trained_ones_get_the_same_ranking(user_items):
    model = learnrec.ImplicitALS(factors=8, iterations=5, random_state=3, num_threads=1).fit(user_items)
    n = user_items.shape[1]
    cat = courses(n, skills={c: {"python": 1 + c % 3} for c in range(n)}, languages={c: "fr" for c in range(0, n, 4)})
    learners = [{"id": f"L{u}", "target_skills": {"python": 3}, "languages": "en", "department": "IT"}
                for u in range(user_items.shape[0])]
    ranker = Ranker(model, cat, learners, history=user_items)
    who = np.array([5, 1, 9])
    trained = ranker.recommend(who, NOW, k=6, gap_boost=0.5, mmr_lambda=0.8)
    fresh = ranker.recommend_new(queries=model.user_factors[who], now=NOW, learners=[learners[u] for u in who],
                                 history=user_items[who], k=6, gap_boost=0.5, mmr_lambda=0.8)
    np.testing.assert_array_equal(fresh.ids, trained.ids)
    np.testing.assert_array_equal(fresh.scores, trained.scores)
    assert [[[r["text"] for r in slot] for slot in row] for row in fresh.reasons] == \
        [[[r["text"] for r in slot] for slot in row] for row in trained.reasons]


def test_new_learners_are_folded_in_from_their_interactions_and_keep_taken_courses_out(user_items):
    model = learnrec.ImplicitALS(factors=8, iterations=5, random_state=3, num_threads=1).fit(user_items)
    ranker = Ranker(model, courses(user_items.shape[1]))
    rows = user_items[[2, 7]]
    result = ranker.recommend_new(rows, NOW, k=5, history=rows)
    expected, _ = model.recommend([2, 7], rows, N=5, recalculate_user=True, filter_already_liked_items=True)
    np.testing.assert_array_equal(result.ids, expected)
    assert result.learners.tolist() == [0, 1]
    assert all(rec["learner_id"] is None for rec in result.records())


def test_recommend_new_rejects_both_or_neither_input_and_bad_queries():
    ranker = Ranker(descending(4), courses(4))
    with pytest.raises(ValueError, match="not both and not neither"):
        ranker.recommend_new(now=NOW)
    with pytest.raises(ValueError, match="NaN"):
        ranker.recommend_new(queries=np.array([[np.nan]], dtype=np.float32), now=NOW)
    with pytest.raises(ValueError, match="2-D float"):
        ranker.recommend_new(queries=np.array([1, 2], dtype=np.int64), now=NOW)
    with pytest.raises(learnrec.LearnrecError, match="use the model's fold-in"):
        ranker.recommend_new(queries=np.ones((1, 3), dtype=np.float32), now=NOW)
    with pytest.raises(learnrec.LearnrecError, match="2 profiles for 1 learners"):
        ranker.recommend_new(queries=np.ones((1, 1), dtype=np.float32), now=NOW, learners=[{}, {}])
