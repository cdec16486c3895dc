// learnrec — feature CSV reading and writing. The format and its rules are described in features.hpp.
#include "learnrec/data/features.hpp"

#include <optional>
#include <utility>

#include "csv_fields.hpp"
#include "csv_write.hpp"
#include "learnrec/data/csv.hpp"

namespace learnrec {

FeatureMatrix parse_features_csv(std::string_view text, std::string_view source_name, const IdMap& ids,
                                 const FeatureCsvOptions& options, const IdMap* vocabulary) {
    CsvReader reader(text, source_name, options.delimiter);
    std::vector<std::string> fields;
    constexpr const char* expected = "expected learner_id or course_id, feature[, weight]";
    if (!reader.next_record(fields)) LEARNREC_FAIL_AT(reader.where(), "empty file; {}", expected);
    if (fields.empty()) LEARNREC_FAIL_AT(reader.where(), "blank header line; {}", expected);
    const auto cols = resolve_csv_columns(fields, {"feature"}, {"learner_id", "course_id", "weight"},
                                          options.ignored_columns, reader.where());
    if (cols.optional[0] && cols.optional[1])
        LEARNREC_FAIL_AT(reader.where(), "both learner_id and course_id columns; a feature file describes one or the other");
    if (!cols.optional[0] && !cols.optional[1])
        LEARNREC_FAIL_AT(reader.where(), "missing the id column learner_id or course_id ({})", expected);
    const std::size_t id_col = cols.optional[0] ? *cols.optional[0] : *cols.optional[1];
    const std::string_view id_name = cols.optional[0] ? "learner_id" : "course_id";
    const std::size_t feature_col = cols.required[0];
    const auto weight_col = cols.optional[2];

    FeatureMatrix out;
    if (vocabulary) out.features = *vocabulary;
    std::vector<Triplet> entries;
    while (reader.next_record(fields)) {
        detail::check_csv_record(reader, fields, cols.count);
        const std::string_view id = detail::csv_value(reader, fields, id_col);
        const std::string_view feature = detail::csv_value(reader, fields, feature_col);
        if (id.empty()) LEARNREC_FAIL_AT(reader.where(), "empty {}", id_name);
        if (feature.empty()) LEARNREC_FAIL_AT(reader.where(), "empty feature");
        float weight = 1.0f;
        if (weight_col) {
            weight = parse_csv_float(fields[*weight_col], "weight", reader.where());
            if (!(weight > 0.0f))
                LEARNREC_FAIL_AT(reader.where(), "weight '{}' must be > 0 (a feature is present with a positive weight, or "
                                        "absent)",
                                        fields[*weight_col]);
        }
        const auto row = ids.find(id);
        if (!row) {
            if (options.allow_unknown_ids) {
                ++out.skipped_records;
                continue;
            }
            LEARNREC_FAIL_AT(reader.where(), "unknown {} '{}' (not in the {} ids the features are aligned to; set "
                                    "allow_unknown_ids to skip such records)",
                                    id_name, id, ids.size());
        }
        index_t col = 0;
        if (vocabulary) {
            const auto known = out.features.find(feature);
            if (!known)
                LEARNREC_FAIL_AT(reader.where(), "unknown feature '{}' (not in the fixed vocabulary of {} "
                                                        "features)",
                                                        feature, out.features.size());
            col = *known;
        } else {
            try {
                col = out.features.insert(std::string(feature));
            } catch (const Error& e) {
                LEARNREC_FAIL_AT(reader.where(), "{}", e.reason());
            }
        }
        entries.push_back({*row, col, weight});
    }
    try {
        out.matrix = CsrMatrix::from_triplets(ids.size(), out.features.size(), entries);
    } catch (const Error& e) {  // only a float overflow of summed duplicates can get here
        LEARNREC_FAIL_AT(std::string(source_name), "{}", e.reason());
    }
    return out;
}

FeatureMatrix read_features_csv(const std::filesystem::path& path, const IdMap& ids, const FeatureCsvOptions& options,
                                const IdMap* vocabulary) {
    const auto text = read_text_file(path);
    return parse_features_csv(text, path.string(), ids, options, vocabulary);
}

void write_features_csv(const std::filesystem::path& path, const FeatureMatrix& features, const IdMap& ids,
                        std::string_view id_column) {
    LEARNREC_CHECK(id_column == "learner_id" || id_column == "course_id",
                   "id_column must be learner_id or course_id, got '{}'", id_column);
    LEARNREC_CHECK(features.matrix.rows() == ids.size(), "{} feature rows but {} ids", features.matrix.rows(),
                   ids.size());
    LEARNREC_CHECK(features.matrix.cols() == features.features.size(), "{} feature columns but {} feature names",
                   features.matrix.cols(), features.features.size());
    std::string text = fmt::format("{},feature,weight\n", id_column);
    for (index_t r = 0; r < features.matrix.rows(); ++r) {
        const auto row = features.matrix.row(r);
        for (std::size_t k = 0; k < row.size(); ++k) {
            detail::append_csv_field(text, ids.id(r));
            text.push_back(',');
            detail::append_csv_field(text, features.features.id(row.indices[k]));
            // {} prints the shortest representation that reads back as the same float.
            text += fmt::format(",{}\n", row.weights[k]);
        }
    }
    detail::write_text_file(path, text);
}

}  // namespace learnrec
