// learnrec — the registry of model codecs, keyed by model kind (src/model_kinds.def).
#include <charconv>
#include <vector>

#include "model_payload.hpp"

namespace learnrec::detail {

#define LEARNREC_MODEL_KIND(kind) Codec codec_##kind();
#include "model_kinds.def"
#undef LEARNREC_MODEL_KIND

std::span<const Codec> model_codecs() {
    static const std::vector<Codec> codecs{
#define LEARNREC_MODEL_KIND(kind) codec_##kind(),
#include "model_kinds.def"
#undef LEARNREC_MODEL_KIND
    };
    return codecs;
}

const Codec* find_codec(std::string_view kind) {
    for (const auto& c : model_codecs())
        if (c.kind == kind) return &c;
    return nullptr;
}

const Codec* codec_for(const Model& model) {
    const Codec* c = find_codec(model.kind());
    // A class of another kind that answers the same kind() (a user's subclass, say) has fields
    // this codec does not know: it has no codec rather than a wrong one.
    return c != nullptr && *c->type == typeid(model) ? c : nullptr;
}

std::string known_kinds() {
    std::string s;
    for (const auto& c : model_codecs()) s += (s.empty() ? "" : ", ") + std::string(c.kind);
    return s;
}

double json_number(float v) {
    // from_chars: independent of the C locale.
    const std::string text = fmt::format("{}", v);
    double out = static_cast<double>(v);
    std::from_chars(text.data(), text.data() + text.size(), out);
    return out;
}

}  // namespace learnrec::detail
