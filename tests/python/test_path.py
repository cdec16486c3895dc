"""learnrec.path: one learner's dated plan and a team's seats, from the academy or its export."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

import learnrec
from learnrec import path

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def data():
    return path.academy_planning(seed=42, learners=300, courses=150)


def test_a_plan_has_dated_steps_with_hours_and_reasons(data):
    p = path.plan(data, "L000004")
    assert list(p.steps.columns[:7]) == ["step", "course_id", "title", "format", "month", "months", "hours"]
    assert len(p.steps) > 0
    assert p.steps["month"].str.match(r"^2026-\d\d$").all()
    assert all(len(r) > 0 for r in p.steps["reasons"])
    assert p.total_hours == pytest.approx(p.steps["hours"].sum())


def test_the_monthly_budget_holds(data):
    p = path.plan(data, "L000004", hours_per_month=6)
    per_month = {}
    for row in p.steps.itertuples():
        first = pd.Period(row.month, freq="M")
        for k in range(row.months):
            per_month[first + k] = per_month.get(first + k, 0.0) + row.hours / row.months
    assert max(per_month.values()) <= 6 + 1e-9


def test_unreachable_gaps_say_why(data):
    p = path.plan(data, "L000004", skills=[("underwater basket weaving", 2)])
    assert p.steps.empty or "underwater" not in " ".join(sum(p.steps["reasons"], []))
    row = p.unmet[p.unmet["skill"] == "underwater basket weaving"].iloc[0]
    assert row["why"] == "no course"


def test_targets_can_come_from_the_role_profile(data):
    review = path.plan(data, "L000004", targets="review")
    role = path.plan(data, "L000004", targets="role")
    assert set(role.unmet["skill"]) | {r for rs in role.steps["reasons"] for r in rs} != set()
    assert isinstance(review.optimal, bool)


def test_model_preference_must_have_one_finite_score_per_course(data):
    with pytest.raises(learnrec.LearnrecError, match="one value per course"):
        path.plan(data, "L000004", preference=np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match="finite"):
        path.plan(data, "L000004", preference=np.full(len(data.course_ids), np.nan))


def test_bad_arguments_raise_actionable_errors(data):
    with pytest.raises(ValueError, match="YYYY-MM"):
        path.plan(data, "L000004", start="2026/01")
    with pytest.raises(learnrec.LearnrecError, match="unknown learner"):
        path.plan(data, "nobody")
    with pytest.raises(learnrec.LearnrecError, match="hours per month"):
        path.plan(data, "L000004", hours_per_month=0)


def test_a_team_plan_counts_seats_per_quarter_and_coverage(data):
    team = path.plan_team(data, department="Sales", num_threads=2)
    assert list(team.seats.columns) == ["quarter", "country", "course_id", "format", "seats"]
    assert team.seats["seats"].sum() == team.steps
    assert (team.coverage["department"] == "Sales").all()
    assert (team.coverage["people_planned"] >= team.coverage["people_now"]).all()


def test_the_academy_export_reads_back_and_plans_the_same(tmp_path, data):
    import shutil
    from pathlib import Path

    built = Path(__file__).resolve().parents[2] / "build" / "examples" / "learnrec"
    cli = str(built) if built.exists() else shutil.which("learnrec")
    if cli is None:
        pytest.skip("the learnrec CLI is not built (build/examples/learnrec) nor on PATH")
    exported = tmp_path / "academy"
    subprocess.run([cli, "academy", "--out", str(exported), "--learners", "300", "--courses", "150"], check=True,
                   capture_output=True)
    from_files = path.plan(path.read_planning(exported), "L000004")
    from_memory = path.plan(data, "L000004")
    assert list(from_files.steps["course_id"]) == list(from_memory.steps["course_id"])
    cli_plan = json.loads(subprocess.run([cli, "plan", "--catalogue", str(exported), "--learner", "L000004",
                                          "--format", "json"], check=True, capture_output=True, text=True).stdout)
    assert [s["course_id"] for s in cli_plan["steps"]] == list(from_memory.steps["course_id"])


def test_bad_planning_files_name_file_and_line(tmp_path):
    (tmp_path / "courses.csv").write_text("course_id,duration_hours\nC1,4\nC2,lots\n")
    with pytest.raises(learnrec.LearnrecError, match=r"courses\.csv:3"):
        path.read_planning(tmp_path)


def test_to_dict_has_the_cli_contract_keys(data):
    d = path.plan(data, "L000004").to_dict()
    assert {"learner", "steps", "unmet"} <= set(d)
    assert {"course_id", "month", "hours", "reasons"} <= set(d["steps"][0])
    json.dumps(d, default=str)


def test_the_learning_paths_notebook_executes_top_to_bottom(tmp_path):
    from pathlib import Path

    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    notebook_path = Path(__file__).resolve().parents[2] / "examples" / "notebooks" / "learning_paths.ipynb"
    notebook = nbformat.read(notebook_path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2, "the timeline and the seats per quarter were not both plotted"


def test_a_quarterly_budget_alone_holds_per_calendar_quarter(data):
    p = path.plan(data, "L000004", hours_per_quarter=30)
    per_quarter = {}
    for row in p.steps.itertuples():
        first = pd.Period(row.month, freq="M")
        for k in range(row.months):
            q = (first + k).asfreq("Q")
            per_quarter[q] = per_quarter.get(q, 0.0) + row.hours / row.months
    assert max(per_quarter.values()) <= 30 + 1e-9


def test_steps_say_their_kind_and_status_and_gigs_have_an_opportunity_id(data):
    opportunity_steps = 0
    for learner in data.learner_ids:
        p = path.plan(data, learner)
        assert set(p.steps["kind"]) <= {"course", "session", "gig", "work_package"}
        assert set(p.steps["status"]) <= {"planned"}
        gigs = p.steps[p.steps["kind"].isin(["gig", "work_package"])]
        assert (gigs["course_id"] == "").all() and (gigs["opportunity_id"] != "").all()
        opportunity_steps += len(gigs)
    assert opportunity_steps > 0
    assert path.plan_team(data, num_threads=1).opportunity_steps == opportunity_steps


def test_replanning_from_now_places_nothing_before_it(data):
    p = path.plan(data, "L000004", now="2026-07", failed="replace")
    planned = p.steps[p.steps["status"] == "planned"]
    assert (planned["month"] >= "2026-07").all()
    with pytest.raises(ValueError, match="retake"):
        path.plan(data, "L000004", failed="skip")
