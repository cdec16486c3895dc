"""Goals in the learner's own words: a course text index, skill extraction and the goal blend.

A learner writes what they want ("je veux me former à l'IA générative", "quiero pasar a
ciberseguridad", "better stakeholder communication"). :class:`TextIndex` finds the courses that
match, in English, French, German, Spanish, Italian or Portuguese (BM25 with Snowball stemming per
language, accent folding, stop words, the language detected or given) and, through a multilingual
skill vocabulary, across languages: a French goal reaches an English course teaching the skill.
:func:`recommend_with_goals` blends the matches into a :class:`learnrec.ranking.Ranker`:
``final = model + goal_weight x normalised text score`` (``goal_weight`` a ranking rule, default
2; 0 = the model's order exactly), and each course the goal matched gets a ``matches_goal``
reason quoting the matched words.

Example::

    index = learnrec.text.TextIndex.from_academy(seed=42)
    index.search("je veux me former à l'IA générative", limit=5)    # courses, scores, matched words
    index.extract_skills("quiero pasar a ciberseguridad")            # [{"skill": "cybersecurity", ...}]
    ranker = learnrec.ranking.Ranker.from_academy(model, seed=42)
    result = learnrec.text.recommend_with_goals(ranker, [0, 1], "2026-06-01",
                                                index.goal_matches(["je veux ...", "better SQL"]))

Caller-supplied embeddings (a company's own embedding model; nothing is downloaded) blend the
same way: :func:`embedding_goal_matches` scores one vector per course against one per goal with
learnrec's exact top-k.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from .ranking import Ranker, Recommendations, to_timestamp

GoalMatches = _core.GoalMatches

__all__ = ["TextIndex", "GoalMatches", "recommend_with_goals", "embedding_goal_matches", "academy_skill_synonyms"]


class TextIndex:
    """BM25 index over course texts (learnrec::text::CourseTextIndex). Immutable, thread-safe.

    ``courses`` are records (dicts or a pandas DataFrame) with ``id`` and optionally ``title``,
    ``description``, ``topic``, ``skills`` (list, or "python:2;sql:1" as in the CSV files) and
    ``language``/``languages`` (codes; the first is the texts' language). ``synonyms`` are
    ``(skill, language, phrase)`` triples; ``academy_vocabulary=True`` adds the academy's skill
    names and synonyms in six languages.
    """

    def __init__(self, courses: Any = None, *, synonyms: Iterable[Tuple[str, str, str]] = (),
                 academy_vocabulary: bool = False, _core_index: Any = None):
        if _core_index is not None:
            self._index = _core_index
            return
        if courses is None:
            raise TypeError("TextIndex needs course records")
        records = courses.to_dict("records") if hasattr(courses, "to_dict") else list(courses)
        ids, titles, descriptions, topics, skills, languages = [], [], [], [], [], []
        for i, r in enumerate(records):
            if "id" not in r and "course_id" not in r:
                raise ValueError(f"course record {i} has no 'id'")
            ids.append(str(r.get("id", r.get("course_id"))))
            titles.append(str(r.get("title") or ""))
            descriptions.append(str(r.get("description") or ""))
            topics.append(str(r.get("topic") or ""))
            s = r.get("skills") or []
            if isinstance(s, str):
                s = [item.split(":")[0] for item in s.split(";") if item]
            elif isinstance(s, dict):
                s = list(s)
            skills.append([str(x[0]) if isinstance(x, (tuple, list)) else str(x) for x in s])
            langs = r.get("languages", r.get("language")) or []
            languages.append(langs if isinstance(langs, str) else [str(x) for x in langs])
        self._index = _core.TextIndex(ids, titles, descriptions, topics, skills, languages,
                                      [tuple(map(str, t)) for t in synonyms], academy_vocabulary)

    @classmethod
    def from_academy(cls, seed: int = 42, learners: int = 5000, courses: int = 600) -> "TextIndex":
        """The index of the synthetic academy's catalogue (multilingual descriptions, skill vocabulary)."""
        return cls(_core_index=_core.TextIndex.from_academy(seed, learners, courses))

    @property
    def num_courses(self) -> int:
        return self._index.num_courses

    @property
    def course_ids(self) -> List[str]:
        return self._index.course_ids

    def search(self, goal: str, language: str = "", limit: int = 0) -> Dict[str, Any]:
        """Courses matching ``goal``, best first: ``courses`` (int32), ``scores`` (BM25, float32),
        ``normalised`` (score / best), ``matched`` (the words as written), plus the query's
        ``language``, ``detected``, ``skills``, ``terms`` and ``notes``. ``language`` "" = detect."""
        return self._index.search(goal, language, limit)

    def extract_skills(self, text: str) -> List[Dict[str, str]]:
        """Skills of the vocabulary ``text`` names: ``[{"skill": ..., "text": words as written}]``."""
        return self._index.extract_skills(text)

    def goal_matches(self, goals: Sequence[Optional[str]], language: str = "", limit: int = 0) -> GoalMatches:
        """One row per goal (None or "" = no goal) for :func:`recommend_with_goals`."""
        return self._index.goal_matches(["" if g is None else str(g) for g in goals], language, limit)

    def to_bytes(self) -> bytes:
        """The index in learnrec's checked model-file envelope (kind ``text_index``)."""
        return self._index.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "TextIndex":
        return cls(_core_index=_core.TextIndex.from_bytes(data))

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Atomic save (temporary file, fsync, rename)."""
        self._index.save(os.fspath(path))

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "TextIndex":
        return cls(_core_index=_core.TextIndex.load(os.fspath(path)))

    def __reduce__(self):
        return (TextIndex.from_bytes, (self.to_bytes(),))


def embedding_goal_matches(course_vectors: Any, goal_vectors: Any, limit: int = 50,
                           num_threads: int = 0) -> GoalMatches:
    """Goal matches from caller embeddings: (courses x d) and (goals x d) float arrays; each goal
    keeps its ``limit`` best courses by dot product (exact top-k), scored score / best."""
    c = np.asarray(course_vectors)
    g = np.asarray(goal_vectors)
    for name, a in (("course_vectors", c), ("goal_vectors", g)):
        if a.ndim != 2 or a.dtype.kind != "f":
            raise ValueError(f"{name} must be a 2-D float array, got {a.dtype} with shape {a.shape}")
    return _core.embedding_goal_matches(np.ascontiguousarray(c, dtype=np.float32),
                                        np.ascontiguousarray(g, dtype=np.float32), limit, num_threads)


def recommend_with_goals(ranker: Ranker, learners: Any, now: Any, goals: GoalMatches, rules: Any = None,
                         **overrides: Any) -> Recommendations:
    """:meth:`Ranker.recommend` with goal matches blended in (row i of ``goals`` = learner i);
    ``goal_weight`` is a rule like the others (``goal_weight=2.0``)."""
    r = ranker._rules(rules, overrides)
    ids = np.ascontiguousarray(np.atleast_1d(np.asarray(learners)), dtype=np.int32)
    if ids.ndim != 1:
        raise ValueError("learners must be an index or a 1-D sequence of indices")
    raw = ranker._ranker.recommend_goals(ids, to_timestamp(now), r, goals)
    return Recommendations(ids, raw, ranker.course_ids, ranker.course_titles, ranker.learner_ids,
                           getattr(ranker, "model_version", None))


def academy_skill_synonyms() -> List[Tuple[str, str, str]]:
    """The academy's skill vocabulary as (skill, language, phrase) triples."""
    return [tuple(t) for t in _core.academy_skill_phrases()]
