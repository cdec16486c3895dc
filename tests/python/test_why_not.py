"""Ranker.why_not through the bindings: one test per answer, and agreement with recommend()."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import learnrec
from learnrec import _core
from learnrec.ranking import Ranker

NOW = "2026-06-01"


def descending(n, learners=1):
    users = np.ones((learners, 1), dtype=np.float32)
    items = np.arange(n, 0, -1, dtype=np.float32).reshape(-1, 1)
    return _core.AlsModel(users, items, _core.AlsConfig())


def courses(n, **columns):
    rows = [{"id": f"C{c}"} for c in range(n)]
    for key, values in columns.items():
        for c, v in values.items():
            rows[c][key] = v
    return rows


def test_a_listed_course_gives_its_rank():
    w = Ranker(descending(6), courses(6)).why_not(0, "C2", NOW, k=4)
    assert w["rank"] == 3 and w["removed_by"] is None and w["rules"] == []
    assert w["text"] == "C2 is at rank 3 of 4"


def test_already_taken_with_dates():
    history = [{"learner": 0, "course": "C0", "outcome": "completed", "completed_at": "2025-03-01"}]
    ranker = Ranker(descending(4), courses(4, validity_months={0: 24}), history=history)
    w = ranker.why_not(0, "C0", NOW, k=2)
    assert w["rank"] is None and w["removed_by"] == "already_taken"
    assert w["history"] == {"outcome": "completed", "completed_at": "2025-03-01", "expires": "2027-03-01"}


def test_in_progress_and_dropped():
    history = [{"learner": 0, "course": "C1", "outcome": "in_progress"},
               {"learner": 0, "course": "C0", "outcome": "dropped"}]
    ranker = Ranker(descending(4), courses(4), history=history)
    assert ranker.why_not(0, "C1", NOW, k=2)["removed_by"] == "in_progress"
    assert ranker.why_not(0, "C0", NOW, k=2)["rank"] == 1
    assert ranker.why_not(0, "C0", NOW, k=2, exclude_dropped=True)["removed_by"] == "dropped"


def test_language_format_region_and_session():
    cat = courses(5, languages={0: "de", 3: "de"}, format={1: "classroom"}, regions={2: "APAC", 3: "APAC"})
    learners = [{"id": "L1", "languages": "en", "formats": "e-learning", "country": "France", "region": "EMEA"}]
    sessions = [{"course": "C4", "start": "2027-09-01", "end": "2027-09-02", "location": "", "capacity": 5}]
    ranker = Ranker(descending(5), cat, learners, sessions=sessions)
    assert ranker.why_not("L1", "C0", NOW, k=3)["removed_by"] == "language"
    assert ranker.why_not("L1", "C1", NOW, k=3)["removed_by"] == "format"
    assert ranker.why_not("L1", "C2", NOW, k=3)["removed_by"] == "region"
    assert ranker.why_not("L1", "C3", NOW, k=3)["rules"] == ["language", "region"]
    assert ranker.why_not("L1", "C4", NOW, k=3)["removed_by"] == "session"


def test_prerequisites_missing_and_substituted():
    ranker = Ranker(descending(5), courses(5), prerequisites=[("C0", "C3"), ("C3", "C4")])
    w = ranker.why_not(0, "C0", NOW, k=2)
    assert w["removed_by"] == "prerequisites" and w["missing_prerequisites"] == ["C3"]
    s = ranker.why_not(0, "C0", NOW, k=2, prerequisites="substitute")
    assert s["removed_by"] == "substituted" and s["substitute_course_id"] == "C4"


def test_below_the_kth_score_with_both_scores():
    w = Ranker(descending(8), courses(8)).why_not(0, "C6", NOW, k=3)
    assert w["removed_by"] == "below_kth_score"
    assert (w["score"], w["score_rank"], w["kth_course_id"], w["kth_score"]) == (2.0, 7, "C2", 6.0)


def test_obligation_facts_and_a_list_full_of_obligations():
    obligations = [{"course": f"C{c}", "scope": "all", "due": f"2026-06-{30 - c}"} for c in range(5)]
    ranker = Ranker(descending(5), courses(5), obligations=obligations)
    w = ranker.why_not(0, "C0", NOW, k=2)
    assert w["removed_by"] == "obligations_fill_list" and w["obligation_due"] == "2026-06-30"
    assert ranker.why_not(0, "C4", NOW, k=2)["rank"] == 1


def test_diversity():
    ranker = Ranker(descending(6), courses(6, topic={c: "security" if c < 3 else "sales" for c in range(6)}))
    w = ranker.why_not(0, "C1", NOW, k=2, mmr_lambda=0.3, diversity_source="topics")
    assert w["removed_by"] == "diversity"


def test_unknown_ids_raise():
    ranker = Ranker(descending(3), courses(3))
    with pytest.raises(learnrec.LearnrecError, match="unknown course id"):
        ranker.why_not(0, "C9", NOW)
    with pytest.raises(learnrec.LearnrecError, match="unknown learner id"):
        ranker.why_not("L9", "C1", NOW)


def test_why_not_agrees_with_recommend_on_the_academy():
    user_items, _, _ = learnrec.generate_academy(seed=5, learners=300, courses=120)
    model = learnrec.ImplicitALS(factors=8, iterations=3, random_state=1, num_threads=2).fit(user_items)
    ranker = Ranker.from_academy(model, seed=5, learners=300, courses=120)
    result = ranker.recommend(np.arange(20), "2026-02-01", k=10, gap_boost=0.5, mmr_lambda=0.8)
    for u in range(20):
        listed = [c for c in result.ids[u].tolist() if c >= 0]
        for c in range(0, 120, 7):
            w = ranker.why_not(u, c, "2026-02-01", k=10, gap_boost=0.5, mmr_lambda=0.8)
            expected = listed.index(c) + 1 if c in listed else None
            assert w["rank"] == expected
            assert (w["removed_by"] is None) == (expected is not None)



def test_the_answer_and_every_result_carry_the_model_version():
    full = scipy.sparse.random(30, 6, density=0.4, format="csr", dtype=np.float32, random_state=2)
    full.data[:] = 1.0
    model = learnrec.ImplicitALS(factors=3, iterations=2, random_state=1, num_threads=1).fit(full, show_progress=False)
    ranker = Ranker(model, courses(6))
    assert ranker.model_version == model.model_version
    assert ranker.recommend([0, 1], NOW, k=3).model_version == model.model_version
    assert ranker.recommend_new(full[:2], NOW, k=3).model_version == model.model_version
    assert ranker.why_not(0, "C5", NOW, k=3)["model_version"] == model.model_version
    bare = Ranker(descending(4), courses(4))
    assert bare.model_version.startswith("als-") and bare.recommend(0, NOW, k=2).model_version == bare.model_version
