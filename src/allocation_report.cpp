// learnrec allocation — waiting lists, demand, the catalogue after, CSV outputs (allocation/report.hpp).
#include "learnrec/allocation/report.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "allocation_csv.hpp"
#include "learnrec/error.hpp"

namespace learnrec::allocation {

namespace {

void check_shapes(const Market& market, const Allocation& allocation) {
    LEARNREC_CHECK(allocation.chosen.size() == market.candidates.size() &&
                       allocation.filled.size() == market.opportunities.size(),
                   "the allocation ({} candidates, {} opportunities) is not of this market ({} candidates, {} "
                   "opportunities)",
                   allocation.chosen.size(), allocation.filled.size(), market.candidates.size(),
                   market.opportunities.size());
}

std::vector<index_t> places_per_learner(const Market& market, const Allocation& allocation) {
    std::vector<index_t> got(market.learners.size(), 0);
    for (std::size_t k = 0; k < market.candidates.size(); ++k)
        if (allocation.chosen[k]) ++got[static_cast<std::size_t>(market.candidates[k].learner)];
    return got;
}

std::string utility_text(double u) { return fmt::format("{:.6g}", u); }

}  // namespace

std::vector<WaitingEntry> waiting_lists(const Market& market, const Allocation& allocation) {
    check_shapes(market, allocation);
    const auto got = places_per_learner(market, allocation);
    std::vector<index_t> waiting;
    for (std::size_t k = 0; k < market.candidates.size(); ++k)
        if (!allocation.chosen[k]) waiting.push_back(static_cast<index_t>(k));
    const auto& c = market.candidates;
    std::sort(waiting.begin(), waiting.end(), [&](index_t a, index_t b) {
        const auto& x = c[static_cast<std::size_t>(a)];
        const auto& y = c[static_cast<std::size_t>(b)];
        if (x.opportunity != y.opportunity) return x.opportunity < y.opportunity;
        if (x.priority != y.priority) return x.priority < y.priority;
        if (x.utility != y.utility) return x.utility > y.utility;
        return x.learner < y.learner;
    });
    std::vector<WaitingEntry> out;
    out.reserve(waiting.size());
    index_t position = 0;
    for (std::size_t w = 0; w < waiting.size(); ++w) {
        const auto& x = c[static_cast<std::size_t>(waiting[w])];
        position = w > 0 && c[static_cast<std::size_t>(waiting[w - 1])].opportunity == x.opportunity ? position + 1 : 1;
        out.push_back({x.opportunity, position, waiting[w], got[static_cast<std::size_t>(x.learner)] > 0});
    }
    return out;
}

std::vector<Demand> demand_per_opportunity(const Market& market, const Allocation& allocation) {
    check_shapes(market, allocation);
    const auto got = places_per_learner(market, allocation);
    std::vector<Demand> out(market.opportunities.size());
    for (std::size_t o = 0; o < out.size(); ++o)
        out[o] = {static_cast<index_t>(o), market.opportunities[o].places, allocation.filled[o], 0, 0};
    for (const auto& x : market.candidates) {
        auto& d = out[static_cast<std::size_t>(x.opportunity)];
        ++d.demand;
        if (got[static_cast<std::size_t>(x.learner)] == 0) ++d.unserved;
    }
    return out;
}

ranking::Catalogue catalogue_after(const ranking::Catalogue& catalogue, const Market& market,
                                   const Allocation& allocation) {
    check_shapes(market, allocation);
    ranking::Catalogue out = catalogue;
    for (std::size_t o = 0; o < market.opportunities.size(); ++o) {
        const auto& op = market.opportunities[o];
        if (op.kind != OpportunityKind::session) continue;
        LEARNREC_CHECK(op.session >= 0 && static_cast<std::size_t>(op.session) < out.sessions.size(),
                       "session '{}' is not in this catalogue", op.id);
        auto& s = out.sessions[static_cast<std::size_t>(op.session)];
        s.id = op.id;
        s.capacity = std::max(0, s.capacity - allocation.filled[o]);
    }
    return out;
}

void write_assignment_csv(const std::filesystem::path& path, const Market& market, const Allocation& allocation,
                          const NameOf& learner_id, const NameOf& course_id) {
    check_shapes(market, allocation);
    std::vector<index_t> rows;
    for (std::size_t k = 0; k < market.candidates.size(); ++k)
        if (allocation.chosen[k]) rows.push_back(static_cast<index_t>(k));
    // Learner by learner, in date order: a learner's programme reads top to bottom.
    std::stable_sort(rows.begin(), rows.end(), [&](index_t a, index_t b) {
        const auto& x = market.candidates[static_cast<std::size_t>(a)];
        const auto& y = market.candidates[static_cast<std::size_t>(b)];
        if (x.learner != y.learner) return x.learner < y.learner;
        return market.opportunities[static_cast<std::size_t>(x.opportunity)].start <
               market.opportunities[static_cast<std::size_t>(y.opportunity)].start;
    });
    std::string text = "learner_id,opportunity_id,kind,course_id,start,end,location,priority,utility,reasons\n";
    for (const auto k : rows) {
        const auto& x = market.candidates[static_cast<std::size_t>(k)];
        const auto& o = market.opportunities[static_cast<std::size_t>(x.opportunity)];
        detail::append_csv_row(text, {learner_id(x.learner), o.id, to_string(o.kind),
                                      o.course >= 0 ? course_id(o.course) : std::string(),
                                      learnrec::detail::iso8601(o.start), learnrec::detail::iso8601(o.end), o.location,
                                      to_string(x.priority), utility_text(x.utility),
                                      k < static_cast<index_t>(market.reasons.size())
                                          ? market.reasons[static_cast<std::size_t>(k)]
                                          : std::string()});
    }
    detail::write_file_atomically(path, text);
}

void write_assignment_json(const std::filesystem::path& path, const Market& market, const Allocation& allocation,
                           const NameOf& learner_id, const NameOf& course_id) {
    check_shapes(market, allocation);
    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t k = 0; k < market.candidates.size(); ++k) {
        if (!allocation.chosen[k]) continue;
        const auto& x = market.candidates[k];
        const auto& o = market.opportunities[static_cast<std::size_t>(x.opportunity)];
        nlohmann::json reasons = nlohmann::json::array();
        if (k < market.reasons.size()) {
            const std::string& text = market.reasons[k];
            for (std::size_t pos = 0; pos < text.size();) {
                const auto end = std::min(text.find("; ", pos), text.size());
                reasons.push_back(text.substr(pos, end - pos));
                pos = end + 2;
            }
        }
        rows.push_back({{"learner_id", learner_id(x.learner)},
                        {"opportunity_id", o.id},
                        {"kind", std::string(to_string(o.kind))},
                        {"course_id", o.course >= 0 ? course_id(o.course) : std::string()},
                        {"start", learnrec::detail::iso8601(o.start)},
                        {"end", learnrec::detail::iso8601(o.end)},
                        {"location", o.location},
                        {"priority", std::string(to_string(x.priority))},
                        {"utility", x.utility},
                        {"reasons", std::move(reasons)}});
    }
    detail::write_file_atomically(path, rows.dump(1) + "\n");
}

void write_waiting_csv(const std::filesystem::path& path, const Market& market, const Allocation& allocation,
                       const NameOf& learner_id) {
    std::string text = "opportunity_id,position,learner_id,priority,utility,placed_elsewhere\n";
    for (const auto& w : waiting_lists(market, allocation)) {
        const auto& x = market.candidates[static_cast<std::size_t>(w.candidate)];
        detail::append_csv_row(text, {market.opportunities[static_cast<std::size_t>(w.opportunity)].id,
                                      fmt::format("{}", w.position), learner_id(x.learner), to_string(x.priority),
                                      utility_text(x.utility), w.placed_elsewhere ? "true" : "false"});
    }
    detail::write_file_atomically(path, text);
}

void write_demand_csv(const std::filesystem::path& path, const Market& market, const Allocation& allocation,
                      const NameOf& course_id) {
    std::string text = "opportunity_id,kind,course_id,start,places,filled,demand,waiting,unserved\n";
    for (const auto& d : demand_per_opportunity(market, allocation)) {
        const auto& o = market.opportunities[static_cast<std::size_t>(d.opportunity)];
        detail::append_csv_row(text, {o.id, to_string(o.kind), o.course >= 0 ? course_id(o.course) : std::string(),
                                      learnrec::detail::iso8601(o.start), fmt::format("{}", d.places),
                                      fmt::format("{}", d.filled), fmt::format("{}", d.demand),
                                      fmt::format("{}", d.demand - d.filled), fmt::format("{}", d.unserved)});
    }
    detail::write_file_atomically(path, text);
}

void write_sessions_csv(const std::filesystem::path& path, const ranking::Catalogue& catalogue) {
    std::string text = "course_id,session_id,start,end,location,capacity\n";
    for (std::size_t s = 0; s < catalogue.sessions.size(); ++s) {
        const auto& x = catalogue.sessions[s];
        detail::append_csv_row(text, {catalogue.course_name(x.course),
                                      x.id.empty() ? ranking::derived_session_id(catalogue, s) : x.id,
                                      learnrec::detail::iso8601(x.start), learnrec::detail::iso8601(x.end), x.location,
                                      fmt::format("{}", x.capacity)});
    }
    detail::write_file_atomically(path, text);
}

void write_catalogue_dir(const std::filesystem::path& from, const std::filesystem::path& to,
                         const ranking::Catalogue& after) {
    std::error_code ec;
    std::filesystem::create_directories(to, ec);
    if (ec) LEARNREC_FAIL_AT(to.string(), "cannot create the directory: {}", ec.message());
    if (!std::filesystem::equivalent(from, to)) {
        for (const auto& entry : std::filesystem::directory_iterator(from)) {
            if (!entry.is_regular_file() || entry.path().filename() == "sessions.csv") continue;
            // Same bytes, through a temporary file and a rename: a reader never sees half a file.
            const auto target = to / entry.path().filename();
            const auto temp = to / (entry.path().filename().string() + fmt::format(".tmp{}", static_cast<long>(::getpid())));
            std::filesystem::copy_file(entry.path(), temp, std::filesystem::copy_options::overwrite_existing, ec);
            if (!ec) std::filesystem::rename(temp, target, ec);
            if (ec) {
                std::error_code ignored;
                std::filesystem::remove(temp, ignored);
                LEARNREC_FAIL_AT(target.string(), "cannot copy {} here: {}", entry.path().string(), ec.message());
            }
        }
    }
    write_sessions_csv(to / "sessions.csv", after);
}

}  // namespace learnrec::allocation
