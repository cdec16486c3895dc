// learnrec ranking — rules from one JSON file, catalogue and learner facts from CSV files.
//
// Rules (nlohmann-json; every key optional, unknown keys are errors naming the key path):
//   {"k": 10, "num_threads": 0, "min_score": 0.05,
//    "lifecycle": {"exclude_in_progress": true, "exclude_dropped": false, "renewal_days": 30},
//    "obligations": {"enabled": true, "window_days": 90},
//    "skills": {"gap_boost": 0.5},
//    "prerequisites": {"mode": "hold_back" | "substitute" | "ignore"},
//    "eligibility": {"language": true, "format": true, "region": true, "sessions": true,
//                    "session_horizon_days": 180},
//    "diversity": {"lambda": 0.7, "source": "embeddings" | "topics", "pool": 30},
//    "explanations": {"enabled": true, "similarity_threshold": 0.3, "popular_top": 20},
//    "goals": {"weight": 2.0},
//    "campaign": {...}}   (push campaigns' settings, read by campaign/rules.hpp; ignored here)
//
// Catalogue directory (each file optional; CSV as in data/csv.hpp: header required, columns by
// name, RFC 4180 quoting; lists inside a field are separated by ';'):
//   courses.csv        course_id[,title,topic,format,languages,regions,validity_months,skills,description]
//   course_skills.csv  course_id,skill,level
//   prerequisites.csv  course_id,requires_course_id
//   sessions.csv       course_id,start,end[,location,capacity,session_id]  (dates as in csv.hpp; capacity
//                      default 1; without session_id a session is named by ranking::derived_session_id)
//   obligations.csv    course_id,scope,due[,value]                 (scope learner|role|country|department|all)
//   learners.csv       learner_id[,role,department,country,region,languages,formats,target_skills,goal]
//   learner_skills.csv learner_id,skill,level[,current_level]      (target skills; `target_level` for level;
//                      current_level is read by the planner, path/inputs.hpp; a target also in
//                      learners.csv at the same level is accepted once)
// skills / target_skills: "python:2;sql:1". The academy's export (`learnrec academy --out DIR`)
// reads as is: `id` stands for course_id / learner_id, `language` for languages ("fr,en": ','
// separates list items too), sessions' `country` for location; its level, duration_hours,
// provider, has_exam and seniority columns are skipped.
// Course and learner ids are those of the model (the interactions' IdMaps): an unknown id is an
// error naming file, line and id unless the options allow (and then skip) it.
//
// Errors: Error("<file>:<line>", ...) for CSV, Error("<file>", "key 'a.b' ...") for JSON.
// Thread safety: reentrant. Complexity: linear in the size of the files.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "learnrec/data/id_map.hpp"
#include "learnrec/ranking/catalogue.hpp"
#include "learnrec/ranking/learners.hpp"
#include "learnrec/ranking/rules.hpp"

namespace learnrec::ranking {

RankingRules parse_rules_json(std::string_view text, std::string_view source_name);
RankingRules read_rules_json(const std::filesystem::path& path);

struct CatalogueOptions {
    char delimiter = ',';
    bool allow_unknown_courses = false;   ///< skip rows about courses the model does not know
    bool allow_unknown_learners = false;  ///< skip rows about learners the model does not know
};

struct CatalogueData {
    Catalogue catalogue;                 ///< one CourseFacts per id of `courses`
    std::vector<LearnerFacts> learners;  ///< one per id of `learners`, or empty without learner files
    std::size_t skipped_rows = 0;        ///< rows about unknown ids skipped because the options allow it
};

/// Reads the files above from `dir` (which must exist). Courses without a row in courses.csv
/// keep only their id.
CatalogueData read_catalogue_dir(const std::filesystem::path& dir, const IdMap& courses, const IdMap& learners,
                                 const CatalogueOptions& options = {});

}  // namespace learnrec::ranking
