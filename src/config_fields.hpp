// learnrec — internal: a model config described once, as a table of its fields in file order,
// so that a codec's save, load and hyperparameters (src/codec_<kind>.cpp) cannot disagree on
// names, order or widths. Included only by the codecs.
//
// A table is a std::tuple of field descriptions made by field(), setting(), choice() and
// threads(); write_config, read_config and config_json walk it in order. Widths follow the
// member's type: int32 -> i32, float -> f32, 64-bit unsigned -> u64, bool -> u8 (0 or 1), an enum
// -> u32 checked against its last enumerator.
#pragma once

#include <array>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include "model_payload.hpp"

namespace learnrec::detail {

template <class T>
void put_value(PayloadWriter& out, T v) {
    if constexpr (std::is_same_v<T, bool>) out.u8(v ? 1 : 0);
    else if constexpr (std::is_same_v<T, float>) out.f32(v);
    else if constexpr (std::is_same_v<T, std::int32_t>) out.i32(v);
    else {
        static_assert(std::is_unsigned_v<T> && sizeof(T) == 8, "config fields are int32, float, bool or 64-bit");
        out.u64(static_cast<std::uint64_t>(v));
    }
}

template <class T>
T get_value(PayloadReader& in, const char* name) {
    if constexpr (std::is_same_v<T, bool>) return in.boolean(name);
    else if constexpr (std::is_same_v<T, float>) return in.f32(name);
    else if constexpr (std::is_same_v<T, std::int32_t>) return in.i32(name);
    else return static_cast<T>(in.u64(name));
}

/// A number or flag of the config. `reported` is false for settings that shape how a model is
/// trained or what training prints (memory budgets, loss reporting), not the model: no hyperparameters.
template <class Config, class T>
struct ValueField {
    const char* name;
    T Config::*member;
    bool reported;

    void write(PayloadWriter& out, const Config& c) const { put_value(out, c.*member); }
    void read(PayloadReader& in, Config& c) const { c.*member = get_value<T>(in, name); }
    void report(nlohmann::ordered_json& j, const Config& c) const {
        if (!reported) return;
        if constexpr (std::is_same_v<T, float>) j[name] = json_number(c.*member);
        else j[name] = c.*member;
    }
};

/// An enum, stored as u32. Reported by name when `names` (one per enumerator) is not empty, else
/// by number, as files written before names existed report it.
template <class Config, class E, std::size_t N>
struct ChoiceField {
    const char* name;
    E Config::*member;
    const char* what;  // "ALS solver": the error says "unknown ALS solver 7"
    std::array<const char*, N> names;
    E last;

    void write(PayloadWriter& out, const Config& c) const { out.u32(static_cast<std::uint32_t>(c.*member)); }
    void read(PayloadReader& in, Config& c) const {
        const auto v = in.u32(name);
        if (v > static_cast<std::uint32_t>(last)) in.fail(fmt::format("unknown {} {}", what, v));
        c.*member = static_cast<E>(v);
    }
    void report(nlohmann::ordered_json& j, const Config& c) const {
        const auto v = static_cast<std::size_t>(c.*member);
        if constexpr (N == 0) j[name] = static_cast<int>(v);
        else j[name] = names[v];
    }
};

/// num_threads: a run-time setting. Files hold 0, so that their bytes do not depend on it; a
/// stored value is clamped to this machine (clamp_threads). Never a hyperparameter.
template <class Config>
struct ThreadsField {
    int Config::*member;

    void write(PayloadWriter& out, const Config&) const { out.i32(0); }
    void read(PayloadReader& in, Config& c) const { c.*member = clamp_threads(in.i32("num_threads")); }
    void report(nlohmann::ordered_json&, const Config&) const {}
};

template <class Config, class T>
constexpr ValueField<Config, T> field(const char* name, T Config::*member) {
    return {name, member, true};
}
template <class Config, class T>
constexpr ValueField<Config, T> setting(const char* name, T Config::*member) {
    return {name, member, false};
}
/// An enum reported by number; `last` is its last enumerator.
template <class Config, class E>
constexpr ChoiceField<Config, E, 0> choice(const char* name, E Config::*member, E last, const char* what) {
    return {name, member, what, {}, last};
}
/// An enum reported by name: names[i] for enumerator i, the last one being names[N - 1].
template <class Config, class E, std::size_t N>
constexpr ChoiceField<Config, E, N> choice(const char* name, E Config::*member, const char* what,
                                           const char* const (&names)[N]) {
    std::array<const char*, N> a{};
    for (std::size_t i = 0; i < N; ++i) a[i] = names[i];
    return {name, member, what, a, static_cast<E>(N - 1)};
}
template <class Config>
constexpr ThreadsField<Config> threads(int Config::*member) {
    return {member};
}

template <class Config, class... F>
void write_config(PayloadWriter& out, const Config& c, const std::tuple<F...>& fields) {
    std::apply([&](const auto&... f) { (f.write(out, c), ...); }, fields);
}

/// The config as stored, before validate() (the caller validates once the whole config is read).
template <class Config, class... F>
Config read_config(PayloadReader& in, const std::tuple<F...>& fields) {
    Config c;
    std::apply([&](const auto&... f) { (f.read(in, c), ...); }, fields);
    return c;
}

/// The hyperparameters as a JSON object, in table order.
template <class Config, class... F>
nlohmann::ordered_json config_json(const Config& c, const std::tuple<F...>& fields) {
    auto j = nlohmann::ordered_json::object();
    std::apply([&](const auto&... f) { (f.report(j, c), ...); }, fields);
    return j;
}

template <class M>
using config_of = std::remove_cvref_t<decltype(std::declval<const M&>().config())>;

/// The codec of model class M whose payload is its config, as the table Fields describes it,
/// followed by what SaveRest writes and LoadRest reads (the trained arrays). The config is
/// validated before LoadRest sees it; the hyperparameters are the table's reported fields. A kind
/// whose fields change bumps `version` and reads older payloads with a make_codec of its own.
template <class M, const auto& Fields, void (*SaveRest)(const M&, PayloadWriter&),
          std::shared_ptr<const Model> (*LoadRest)(PayloadReader&, const config_of<M>&)>
Codec make_config_codec(std::uint32_t version) {
    return Codec{M::kind_name, version, &typeid(M),
                 [](const Model& m, PayloadWriter& out) {
                     const auto& model = static_cast<const M&>(m);
                     write_config(out, model.config(), Fields);
                     SaveRest(model, out);
                 },
                 [](PayloadReader& in, std::uint32_t) {
                     auto c = read_config<config_of<M>>(in, Fields);
                     c.validate();
                     return LoadRest(in, c);
                 },
                 [](const Model& m) { return config_json(static_cast<const M&>(m).config(), Fields); }};
}

}  // namespace learnrec::detail
