// Fuzz target: learnrec-serve's request handling (examples/service), without sockets. The input is
//   "METHOD TARGET\nAUTHORIZATION\nBODY"  (TARGET = path[?k=v&...])
// and goes through Service::handle() of two small services, each a 6-learner x 8-course model with a
// catalogue and reader/admin tokens: ALS (fold-in from courses), and hybrid with named learner
// features (profiles reach its feature embedding on POST /v1/recommendations). Oracle, for both: handle() returns (never throws), with a status the
// service documents and never 500 (an unexpected exception; only a reload may fail, having no
// model file here), and a JSON body that parses.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/model/hybrid.hpp"
#include "service.hpp"

namespace {

using namespace learnrec;

std::unique_ptr<service::Service> make_service(bool hybrid) {
    std::vector<Triplet> t;
    for (index_t l = 0; l < 6; ++l)
        for (index_t c = 0; c < 8; ++c)
            if ((l * 3 + c) % 4 == 0) t.push_back({l, c, 1.0f});
    const CsrMatrix x = CsrMatrix::from_triplets(6, 8, t);
    std::shared_ptr<const Model> model;
    IdMap tokens;
    if (hybrid) {
        for (const char* token : {"role=engineer", "role=nurse", "country=DE", "lang=fr", "goal=python"})
            tokens.insert(token);
        std::vector<Triplet> ft;
        for (index_t l = 0; l < 6; ++l) ft.push_back({l, l % 5, 1.0f});
        const CsrMatrix features = CsrMatrix::from_triplets(6, 5, ft);
        const CsrView fv = features.view();
        HybridConfig config;
        config.factors = 4;
        config.iterations = 2;
        config.num_threads = 1;
        model = std::make_shared<const HybridModel>(fit_hybrid(x.view(), &fv, nullptr, config));
    } else {
        AlsConfig config;
        config.factors = 4;
        config.iterations = 2;
        config.num_threads = 1;
        model = std::make_shared<const AlsModel>(fit_als(x.view(), config));
    }
    ModelBundle bundle{model, IdMap({"L1", "L2", "L3", "L4", "L5", "L6"}),
                       IdMap({"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"}), {}};
    ranking::CatalogueData cat;
    for (index_t c = 0; c < 8; ++c) {
        ranking::CourseFacts f;
        f.id = bundle.courses.id(c);
        f.title = "Course " + f.id;
        f.languages = {c % 2 ? "en" : "fr"};
        f.skills = {{"python", 1 + c % 3}};
        cat.catalogue.courses.push_back(std::move(f));
    }
    cat.catalogue.prerequisites.push_back({3, 1});
    const std::string bytes = to_bytes(bundle);
    auto snap = service::make_snapshot(bundle, cat, {}, {}, service::model_version_of(bytes, bundle, 0), 0, {},
                                       std::move(tokens));
    service::ServiceOptions options;
    options.pending_capacity = 64;
    return std::make_unique<service::Service>(
        options,
        service::Tokens::parse("reader r-token-0123456789abcdef\nadmin a-token-0123456789abcdef\n", "tokens"),
        std::move(snap));
}

service::Service& fuzz_service(bool hybrid) {
    static std::unique_ptr<service::Service> als = make_service(false);
    static std::unique_ptr<service::Service> with_features = make_service(true);
    return hybrid ? *with_features : *als;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = learnrec::fuzz::as_text(data, size);
    const auto line1 = text.find('\n');
    const std::string_view first = text.substr(0, line1);
    const std::string_view rest = line1 == std::string_view::npos ? std::string_view{} : text.substr(line1 + 1);
    const auto line2 = rest.find('\n');
    service::Request r;
    const auto space = first.find(' ');
    r.method = std::string(first.substr(0, space));
    const std::string_view target = space == std::string_view::npos ? std::string_view{} : first.substr(space + 1);
    const auto q = target.find('?');
    r.path = std::string(target.substr(0, q));
    for (std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
         !query.empty();) {
        const auto amp = query.find('&');
        const std::string_view kv = query.substr(0, amp);
        const auto eq = kv.find('=');
        r.query.emplace_back(std::string(kv.substr(0, eq)),
                             eq == std::string_view::npos ? std::string() : std::string(kv.substr(eq + 1)));
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    }
    r.authorization = std::string(rest.substr(0, line2));
    if (line2 != std::string_view::npos) r.body = std::string(rest.substr(line2 + 1));

    for (const bool hybrid : {false, true}) {
        const service::Response out = fuzz_service(hybrid).handle(r);
        switch (out.status) {
        case 200: case 400: case 401: case 403: case 404: case 405: case 409: case 503: break;
        case 500:
            if (out.route == "/admin/reload") break;  // this service has no model file to reload from
            __builtin_trap();                          // an exception the handlers did not expect
        default: __builtin_trap();
        }
        if (out.content_type == "application/json" && nlohmann::json::parse(out.body, nullptr, false).is_discarded())
            __builtin_trap();
    }
    return 0;
}
