"""learnrec.text: goals in the learner's own words, from Python."""

import pickle

import numpy as np
import pytest

import learnrec
from learnrec.text import TextIndex, embedding_goal_matches, recommend_with_goals


@pytest.fixture(scope="module")
def academy_index():
    return TextIndex.from_academy(seed=42, learners=300, courses=200)


def test_a_french_goal_finds_courses_and_quotes_its_words(academy_index):
    r = academy_index.search("je veux me former à l'intelligence artificielle générative", limit=5)
    assert r["language"] == "fr" and r["detected"]
    assert r["skills"] == [{"skill": "generative ai", "text": "intelligence artificielle générative"}]
    assert r["courses"].dtype == np.int32 and len(r["courses"]) > 0
    assert r["normalised"][0] == 1.0
    assert "intelligence artificielle générative" in r["matched"][0]


def test_skills_are_extracted_in_each_language(academy_index):
    assert [s["skill"] for s in academy_index.extract_skills("quiero pasar a ciberseguridad")] == ["cybersecurity"]
    assert [s["skill"] for s in academy_index.extract_skills("quero aprender gestão de projetos")] == [
        "project management"]


def test_an_unknown_language_is_read_unstemmed_with_a_note(academy_index):
    r = academy_index.search("kubernetes szkolenie", language="pl")
    assert r["language"] == "unknown"
    assert any("no stemmer" in n for n in r["notes"])


def test_empty_and_huge_goals_are_clear_errors(academy_index):
    with pytest.raises(learnrec.LearnrecError, match="empty"):
        academy_index.search("  ")
    with pytest.raises(learnrec.LearnrecError, match="max_query_bytes"):
        academy_index.search("a" * 10000)


def test_the_index_round_trips_through_bytes_files_and_pickle(academy_index, tmp_path):
    data = academy_index.to_bytes()
    assert TextIndex.from_bytes(data).to_bytes() == data
    academy_index.save(tmp_path / "index.lrc")
    assert TextIndex.load(tmp_path / "index.lrc").to_bytes() == data
    assert pickle.loads(pickle.dumps(academy_index)).to_bytes() == data
    with pytest.raises(learnrec.LearnrecError, match="checksum"):
        TextIndex.from_bytes(data[:-1] + bytes([data[-1] ^ 1]))


def test_records_build_an_index_with_caller_synonyms():
    index = TextIndex([{"id": "A", "title": "Gen AI basics", "skills": "generative ai:1", "language": "en"},
                       {"id": "B", "title": "Excel", "skills": ["excel"], "languages": ["en"]}],
                      synonyms=[("generative ai", "de", "generative KI")])
    r = index.search("Ich möchte generative KI verstehen")
    assert list(r["courses"]) == [0]
    assert r["matched"] == ["generative KI"]


def _ranker():
    user_items, _, _ = learnrec.generate_academy(seed=42, learners=300, courses=200)
    model = learnrec.ImplicitALS(factors=8, iterations=3, random_state=1).fit(user_items)
    return learnrec.ranking.Ranker.from_academy(model, seed=42, learners=300, courses=200)


def test_goal_weight_zero_keeps_the_model_order_and_a_weight_blends_with_reasons(academy_index):
    ranker = _ranker()
    goals = academy_index.goal_matches(["je veux me former à l'IA générative", None])
    plain = ranker.recommend([0, 1], now="2026-06-01", explain=False)
    zero = recommend_with_goals(ranker, [0, 1], "2026-06-01", goals, goal_weight=0.0, explain=False)
    np.testing.assert_array_equal(zero.ids, plain.ids)
    # Obligations and language rules off: the goal alone decides what comes first.
    blended = recommend_with_goals(ranker, [0, 1], "2026-06-01", goals, goal_weight=100.0, obligations=False,
                                   match_language=False)
    first = blended.reasons[0][0]
    assert "matches_goal" in [r["kind"] for r in first]
    text = next(r["text"] for r in first if r["kind"] == "matches_goal")
    assert text.startswith("matches your goal: ")
    assert all(r["kind"] != "matches_goal" for slot in blended.reasons[1] for r in slot)  # no goal, no reason


def test_caller_embeddings_give_the_exact_top_by_dot_product():
    rng = np.random.default_rng(0)
    courses = rng.normal(size=(100, 8)).astype(np.float32)
    goals = rng.normal(size=(2, 8)).astype(np.float32)
    g = embedding_goal_matches(courses, goals, limit=5)
    assert g.rows == 2
    ids, scores, _ = g.row(0)
    top = np.argsort(-(courses @ goals[0]))[:5]
    assert sorted(ids.tolist()) == sorted(top.tolist())
    assert scores.max() == 1.0
