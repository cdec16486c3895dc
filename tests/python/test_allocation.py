"""learnrec.allocation: scarce places allocated from the Ranker's lists, and the solver on its own."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import learnrec
from learnrec.allocation import PRIORITIES, allocate, read_opportunities, solve


@pytest.fixture(scope="module")
def academy_ranker():
    user_items, _, _ = learnrec.generate_academy(seed=42, learners=400, courses=80)
    model = learnrec.PopularityModel(num_threads=2).fit(user_items)
    return learnrec.ranking.Ranker.from_academy(model, seed=42, learners=400, courses=80)


def test_allocate_fills_no_place_beyond_its_seats(academy_ranker):
    result = allocate(academy_ranker, now="2026-01-01", horizon_days=365, num_threads=2)
    demand = result.demand()
    assert (demand["filled"] <= demand["places"]).all()
    assignment = result.assignment()
    assert len(assignment["learner"]) > 0
    assert len(set(assignment["learner"])) == len(assignment["learner"])  # one place each by default


def test_two_places_per_learner_is_proven_optimal_and_says_how(academy_ranker):
    result = allocate(academy_ranker, now="2026-01-01", horizon_days=365, max_per_learner=2, num_threads=2)
    assert result.proven_optimal
    assert result.objective_bound == result.objective
    assert result.mandatory_proven and result.skill_gap_headroom == 0
    # open learners are proven by the bound (no CBC) or re-solved by CBC with their part
    assert result.mip_learners >= result.open_learners >= 0 or result.bound_solves > 0
    assert result.mip_seconds >= 0.0


def test_assignment_columns_are_ready_for_pandas(academy_ranker):
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(allocate(academy_ranker, now="2026-01-01", horizon_days=365).assignment())
    for column in ("learner", "opportunity_id", "kind", "start", "priority", "utility", "reasons"):
        assert column in frame.columns
    assert set(frame["priority"]) <= set(PRIORITIES)


def test_waiting_lists_are_ranked_per_place(academy_ranker):
    result = allocate(academy_ranker, now="2026-01-01", horizon_days=365)
    w = result.waiting()
    for opp, rows in itertools.groupby(range(len(w["position"])), key=lambda i: w["opportunity_id"][i]):
        positions = [w["position"][i] for i in rows]
        assert positions == list(range(1, len(positions) + 1))


def test_solve_respects_priorities_before_utility():
    chosen = solve(3, {"places": [1]},
                   {"learner": [0, 1, 2], "opportunity": [0, 0, 0], "utility": [9.0, 0.1, 5.0],
                    "priority": ["preference", "mandatory", "skill_gap"]})
    assert chosen.tolist() == [False, True, False]


def test_solve_gives_no_learner_two_clashing_places():
    opportunities = {"places": [5, 5, 5],
                     "start": np.array(["2026-03-02", "2026-03-03", "2026-04-01"], dtype="datetime64[s]"),
                     "end": np.array(["2026-03-04", "2026-03-05", "2026-04-02"], dtype="datetime64[s]")}
    chosen = solve(1, opportunities, {"learner": [0, 0, 0], "opportunity": [0, 1, 2], "utility": [1.0, 2.0, 1.0]},
                   max_per_learner=3)
    assert chosen.tolist() == [False, True, True]


def test_solve_is_optimal_against_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(30):
        places = rng.integers(0, 3, size=3)
        learner = np.repeat(np.arange(3), 2)
        opportunity = np.concatenate([rng.choice(3, size=2, replace=False) for _ in range(3)])
        utility = rng.integers(0, 10, size=6).astype(float)
        chosen = solve(3, {"places": places, "start": np.arange(3) * 86400 * 10, "end": np.arange(3) * 86400 * 10},
                       {"learner": learner, "opportunity": opportunity, "utility": utility}, utility_steps=9)
        # The solver's integer weight: 1 + utility in 9 steps of the largest (rounded half away from zero).
        weight = np.floor(utility / utility.max() * 9 + 0.5) + 1 if utility.max() > 0 else np.ones(6)
        best = 0.0
        for mask in itertools.product([0, 1], repeat=6):
            m = np.array(mask, dtype=bool)
            if (np.bincount(opportunity[m], minlength=3) > places).any() or (np.bincount(learner[m], minlength=3) > 1).any():
                continue
            best = max(best, float(weight[m].sum()))
        assert float(weight[chosen].sum()) == best


def test_bad_input_raises_a_clear_error(tmp_path):
    with pytest.raises(learnrec.LearnrecError, match="places"):
        solve(1, {"places": [-1]}, {"learner": [0], "opportunity": [0], "utility": [1.0]})
    with pytest.raises(learnrec.LearnrecError, match="NaN"):
        solve(1, {"places": [1]}, {"learner": [0], "opportunity": [0], "utility": [float("nan")]})
    path = tmp_path / "opportunities.csv"
    path.write_text("opportunity_id,kind,start,end,places\nW1,work_package,2026-03-01,2026-02-01,1\n")
    with pytest.raises(learnrec.LearnrecError, match=r"opportunities.csv:2.*ends before it starts"):
        read_opportunities(path)
