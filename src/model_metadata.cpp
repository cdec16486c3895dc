// learnrec — what a model file records about its origin: version, data fingerprint,
// hyperparameters (see ModelMetadata in include/learnrec/io/model_file.hpp).
#include <cstring>
#include <ctime>

#include <boost/uuid/detail/sha1.hpp>
#include <nlohmann/json.hpp>

#include "learnrec/io/model_file.hpp"
#include "model_payload.hpp"

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
    const detail::Codec* codec = detail::codec_for(model);
    return (codec ? codec->hyperparameters(model) : nlohmann::ordered_json::object()).dump();
}

}  // namespace learnrec
