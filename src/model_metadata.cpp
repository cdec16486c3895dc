// learnrec — what a model file records about its origin: version, data fingerprint,
// hyperparameters (see ModelMetadata in include/learnrec/io/model_file.hpp).
#include <charconv>
#include <cstring>
#include <ctime>

#include <boost/uuid/detail/sha1.hpp>
#include <nlohmann/json.hpp>

#include "learnrec/io/model_file.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/model/bpr.hpp"
#include "learnrec/model/ease.hpp"
#include "learnrec/model/gfcf.hpp"
#include "learnrec/model/hybrid.hpp"
#include "learnrec/model/item_knn.hpp"
#include "learnrec/model/popularity.hpp"

#ifndef LEARNREC_VERSION_STRING
#define LEARNREC_VERSION_STRING "unknown"
#endif

namespace learnrec {
namespace {

/// SHA-1 (Boost's, header-only): a fingerprint, not a security boundary.
class Sha1 {
public:
    void bytes(const void* data, std::size_t size) {
        if (size > 0) h_.process_bytes(data, size);
    }
    template <class T>
    void value(T v) { bytes(&v, sizeof v); }
    template <class T>
    void span(std::span<const T> s) {
        value<std::uint64_t>(s.size());
        bytes(s.data(), s.size_bytes());
    }
    void ids(const IdMap& map) {
        value<std::uint64_t>(static_cast<std::uint64_t>(map.size()));
        for (const auto& id : map.ids()) {
            value<std::uint64_t>(id.size());
            bytes(id.data(), id.size());
        }
    }
    std::string hex() {
        boost::uuids::detail::sha1::digest_type d;
        h_.get_digest(d);
        std::string out;
        for (unsigned word : d) out += fmt::format("{:08x}", word);
        return out;
    }

private:
    boost::uuids::detail::sha1 h_;
};

/// A float as the double of its shortest decimal form, so JSON shows 0.01 rather than 0.009999999776.
/// (from_chars: independent of the C locale.)
double num(float v) {
    const std::string text = fmt::format("{}", v);
    double out = static_cast<double>(v);
    std::from_chars(text.data(), text.data() + text.size(), out);
    return out;
}

}  // namespace

std::string_view learnrec_version() noexcept { return LEARNREC_VERSION_STRING; }

std::string data_fingerprint(const CsrView& data, const IdMap& learners, const IdMap& courses) {
    Sha1 h;
    h.bytes("learnrec-data-1", 15);
    h.value<std::int64_t>(data.rows);
    h.value<std::int64_t>(data.cols);
    h.span(data.indptr);
    h.span(data.indices);
    h.span(data.data);
    h.ids(learners);
    h.ids(courses);
    return "sha1:" + h.hex();
}

std::string format_utc(std::int64_t seconds) {
    const auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    LEARNREC_CHECK(::gmtime_r(&t, &tm) != nullptr, "time {} cannot be represented", seconds);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                       tm.tm_min, tm.tm_sec);
}

std::string hyperparameters_json(const Model& model) {
    nlohmann::ordered_json j;
    if (const auto* m = dynamic_cast<const AlsModel*>(&model)) {
        const auto& c = m->config();
        j = {{"factors", c.factors}, {"regularization", num(c.regularization)}, {"alpha", num(c.alpha)},
             {"iterations", c.iterations}, {"solver", c.solver == AlsSolver::cg ? "cg" : "cholesky"},
             {"cg_steps", c.cg_steps}, {"seed", c.seed}};
    } else if (const auto* h = dynamic_cast<const HybridModel*>(&model)) {
        const auto& c = h->config();
        j = {{"factors", c.factors}, {"loss", c.loss == HybridLoss::warp ? "warp" : "bpr"},
             {"learning_rate", num(c.learning_rate)}, {"user_alpha", num(c.user_alpha)}, {"item_alpha", num(c.item_alpha)},
             {"max_sampled", c.max_sampled}, {"iterations", c.iterations}, {"use_user_ids", c.use_user_ids},
             {"use_item_ids", c.use_item_ids}, {"normalize_features", c.normalize_features},
             {"fold_in_regularization", num(c.fold_in_regularization)}, {"fold_in_epochs", c.fold_in_epochs},
             {"seed", c.seed}};
    } else if (const auto* b = dynamic_cast<const BprModel*>(&model)) {
        const auto& c = b->config();
        j = {{"factors", c.factors}, {"learning_rate", num(c.learning_rate)}, {"regularization", num(c.regularization)},
             {"iterations", c.iterations}, {"negatives", c.negatives}, {"sampling", static_cast<int>(c.sampling)},
             {"verify_negative_samples", c.verify_negative_samples}, {"item_bias", c.item_bias},
             {"fold_in_epochs", c.fold_in_epochs}, {"seed", c.seed}};
    } else if (const auto* e = dynamic_cast<const EaseModel*>(&model)) {
        const auto& c = e->config();
        j = {{"lambda", num(c.lambda)}, {"weights", static_cast<int>(c.weights)}};
    } else if (const auto* g = dynamic_cast<const GfcfModel*>(&model)) {
        const auto& c = g->config();
        j = {{"alpha", num(c.alpha)}, {"rank", c.rank}, {"oversample", c.oversample},
             {"power_iterations", c.power_iterations}, {"seed", c.seed}};
    } else if (const auto* k = dynamic_cast<const ItemKnnModel*>(&model)) {
        const auto& c = k->config();
        j = {{"neighbours", c.neighbours}, {"weighting", static_cast<int>(c.weighting)}, {"bm25_k1", num(c.bm25_k1)},
             {"bm25_b", num(c.bm25_b)}, {"binary", c.binary}, {"normalize", c.normalize}};
    } else {
        j = nlohmann::ordered_json::object();
    }
    return j.dump();
}

}  // namespace learnrec
