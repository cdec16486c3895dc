// learnrec — side features of learners or courses (role, country, topic, skills...) for hybrid models.
//
// A FeatureMatrix is a sparse rows x features matrix whose rows are aligned with the learners (or
// the courses) of an interaction log, and whose columns are named feature tokens such as
// "role=engineer" or "skill=python".
//
// CSV format (read_features_csv): a header naming either `learner_id` or `course_id` (not both),
// `feature`, and optionally `weight`; one (id, feature[, weight]) fact per record, e.g.
//
//     learner_id,feature,weight
//     L000001,role=engineer,1
//     L000001,goal=python,0.5
//
//  - The ids must all be in the IdMap given by the caller (the interactions' learners or courses),
//    so that row i of the result is the row i of the interaction matrix. An id that is not there is
//    an error naming the file, line and id, unless FeatureCsvOptions::allow_unknown_ids, in which
//    case the record is skipped and counted in FeatureMatrix::skipped_records.
//  - Ids without any record get an empty row (a cold row: the model uses only what it has).
//  - weight defaults to 1; it must be a finite number > 0 (a zero or negative feature weight has no
//    meaning for a feature embedding sum). Duplicate (id, feature) records are summed.
//  - The feature vocabulary is the file's features in order of first appearance, or, when a
//    vocabulary IdMap is given (e.g. the features a model was trained with), exactly that
//    vocabulary: a feature outside it is an error naming the file and line.
//  - Quoting, BOM, CRLF, trimming of unquoted values and the error context "<file>:<line>" are those
//    of the interactions reader (csv.hpp).
//
// Thread safety: the free functions are reentrant; a FeatureMatrix is immutable once built.
// Complexity: O(size of the text + records log records).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "learnrec/data/csr.hpp"
#include "learnrec/data/id_map.hpp"

namespace learnrec {

struct FeatureMatrix {
    CsrMatrix matrix;                 ///< rows = learners (or courses), cols = feature tokens; weights > 0
    IdMap features;                   ///< column index <-> feature token
    std::size_t skipped_records = 0;  ///< records with an unknown id skipped under allow_unknown_ids
};

struct FeatureCsvOptions {
    char delimiter = ',';
    bool allow_unknown_ids = false;            ///< skip (and count) records whose id is not in `ids`
    std::vector<std::string> ignored_columns;  ///< extra columns whose values are skipped
};

/// Reads a feature CSV (format above) into rows aligned with `ids`. Throws Error naming the file
/// (and line) on any problem, including a file that cannot be opened.
FeatureMatrix read_features_csv(const std::filesystem::path& path, const IdMap& ids,
                                const FeatureCsvOptions& options = {}, const IdMap* vocabulary = nullptr);

/// Same from memory; `source_name` replaces the file name in error messages.
FeatureMatrix parse_features_csv(std::string_view text, std::string_view source_name, const IdMap& ids,
                                 const FeatureCsvOptions& options = {}, const IdMap* vocabulary = nullptr);

/// Writes `features` as a CSV `<id_column>,feature,weight` (row i named ids.id(i); rows in order,
/// features in column order). read_features_csv with `vocabulary = &features.features` reads it
/// back into the same matrix; without it, unused features are absent and columns follow first use.
/// `id_column` is "learner_id" or "course_id". Throws Error if the file cannot be written or the
/// shapes disagree.
void write_features_csv(const std::filesystem::path& path, const FeatureMatrix& features, const IdMap& ids,
                        std::string_view id_column);

}  // namespace learnrec
