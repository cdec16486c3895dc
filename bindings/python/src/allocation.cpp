// learnrec._core — allocation of scarce places (learnrec/allocation/): the solver on caller-given
// candidates, and the whole market (Ranker -> candidates -> allocation -> waiting lists, demand).
// Bulk results go back as columns (numpy arrays, lists of str) for pandas; the GIL is released
// around the heavy calls.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "learnrec/allocation/allocator.hpp"
#include "learnrec/error.hpp"
#include "learnrec/allocation/market.hpp"
#include "learnrec/allocation/opportunity.hpp"
#include "learnrec/allocation/report.hpp"
#include "learnrec/ranking/ranker.hpp"

namespace py = pybind11;
using namespace learnrec;
using namespace learnrec::allocation;

namespace learnrec::python {

namespace {

template <class T>
using Col = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <class T>
py::array_t<T> to_numpy(const std::vector<T>& v) {
    py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), out.mutable_data());
    return out;
}

AllocationRules make_rules(int max_per_learner, double fairness, int utility_steps, index_t candidates_per_learner,
                           int horizon_days, double min_host_fit, int num_threads) {
    AllocationRules r;
    r.max_per_learner = max_per_learner;
    r.fairness = fairness;
    r.utility_steps = utility_steps;
    r.candidates_per_learner = candidates_per_learner;
    r.horizon_days = horizon_days;
    r.min_host_fit = min_host_fit;
    r.num_threads = num_threads;
    r.validate();
    return r;
}

py::dict opportunity_columns(const std::vector<Opportunity>& opps) {
    std::vector<std::string> id, kind, location;
    std::vector<index_t> course;
    std::vector<std::int64_t> start, end;
    std::vector<int> places;
    for (const auto& o : opps) {
        id.push_back(o.id);
        kind.emplace_back(to_string(o.kind));
        location.push_back(o.location);
        course.push_back(o.course);
        start.push_back(o.start);
        end.push_back(o.end);
        places.push_back(o.places);
    }
    using namespace py::literals;
    return py::dict("opportunity_id"_a = id, "kind"_a = kind, "course"_a = to_numpy(course), "start"_a = to_numpy(start),
                    "end"_a = to_numpy(end), "location"_a = location, "places"_a = to_numpy(places));
}

/// What every allocation reports about its solve (both allocate calls add their own columns).
py::dict allocation_summary(const Allocation& a) {
    using namespace py::literals;
    return py::dict("inexact_groups"_a = a.inexact_groups, "open_learners"_a = a.open_learners,
                    "mip_learners"_a = a.mip_learners, "mip_seconds"_a = a.mip_seconds,
                    "proven_optimal"_a = a.proven_optimal, "total_utility"_a = a.total_utility,
                    "objective"_a = a.objective, "objective_bound"_a = a.objective_bound,
                    "mandatory_proven"_a = a.mandatory_proven, "skill_gap_headroom"_a = a.skill_gap_headroom,
                    "weight_gap"_a = a.weight_gap, "bound_solves"_a = a.bound_solves);
}

}  // namespace

void register_allocation(py::module_& m) {
    m.def(
        "allocate_candidates",
        [](index_t learners, Col<std::int64_t> places, Col<std::int64_t> start, Col<std::int64_t> end,
           Col<std::int32_t> course, Col<std::int32_t> learner, Col<std::int32_t> opportunity, Col<double> utility,
           Col<std::int32_t> priority, int max_per_learner, double fairness, int utility_steps) {
            const auto n_opp = static_cast<std::size_t>(places.size());
            LEARNREC_CHECK(static_cast<std::size_t>(start.size()) == n_opp &&
                               static_cast<std::size_t>(end.size()) == n_opp &&
                               static_cast<std::size_t>(course.size()) == n_opp,
                           "opportunity columns differ in length ({} places, {} start, {} end, {} course)", n_opp,
                           start.size(), end.size(), course.size());
            const auto n = static_cast<std::size_t>(learner.size());
            LEARNREC_CHECK(static_cast<std::size_t>(opportunity.size()) == n &&
                               static_cast<std::size_t>(utility.size()) == n &&
                               static_cast<std::size_t>(priority.size()) == n,
                           "candidate columns differ in length ({} learner, {} opportunity, {} utility, {} priority)",
                           n, opportunity.size(), utility.size(), priority.size());
            std::vector<Opportunity> opps(n_opp);
            for (std::size_t o = 0; o < n_opp; ++o) {
                LEARNREC_CHECK(places.data()[o] >= 0 && places.data()[o] <= 1'000'000'000,
                               "opportunity {} has {} places (must be in 0..1e9)", o, places.data()[o]);
                opps[o].id = "#" + std::to_string(o);
                opps[o].places = static_cast<int>(places.data()[o]);
                opps[o].start = start.data()[o];
                opps[o].end = end.data()[o];
                opps[o].course = course.data()[o];
                opps[o].kind = course.data()[o] >= 0 ? OpportunityKind::session : OpportunityKind::gig;
            }
            std::vector<Candidate> cands(n);
            for (std::size_t k = 0; k < n; ++k) {
                const auto p = priority.data()[k];
                LEARNREC_CHECK(p >= 0 && p <= 2, "candidate {} has priority {} (0 mandatory, 1 skill_gap, 2 preference)",
                               k, p);
                cands[k] = {learner.data()[k], opportunity.data()[k], utility.data()[k], static_cast<Priority>(p)};
            }
            AllocationRules rules = make_rules(max_per_learner, fairness, utility_steps, 1, 0, 0.0, 1);
            Allocation a;
            {
                py::gil_scoped_release release;
                a = allocate(learners, opps, cands, rules);
            }
            py::dict d = allocation_summary(a);
            d["chosen"] = to_numpy(a.chosen);
            d["filled"] = to_numpy(a.filled);
            d["seconds"] = a.seconds;
            return d;
        },
        py::arg("learners"), py::arg("places"), py::arg("start"), py::arg("end"), py::arg("course"),
        py::arg("learner"), py::arg("opportunity"), py::arg("utility"), py::arg("priority"),
        py::arg("max_per_learner") = 1, py::arg("fairness") = 0.0, py::arg("utility_steps") = 1000,
        "The optimal allocation of caller-given candidates (learnrec::allocation::allocate): columns in, "
        "columns out.");

    m.def(
        "allocate_market",
        [](const ranking::Ranker& ranker, std::optional<std::vector<index_t>> requested, std::int64_t now, const std::string& opportunities_csv,
           const ranking::RankingRules& ranking_rules, int max_per_learner, double fairness, int utility_steps,
           index_t candidates_per_learner, int horizon_days, double min_host_fit, int num_threads) {
            const AllocationRules rules = make_rules(max_per_learner, fairness, utility_steps, candidates_per_learner,
                                                     horizon_days, min_host_fit, num_threads);
            std::vector<index_t> learners;
            if (requested) {
                learners = std::move(*requested);
            } else {
                learners.resize(static_cast<std::size_t>(ranker.model().num_learners()));
                std::iota(learners.begin(), learners.end(), 0);
            }
            for (const auto l : learners)
                LEARNREC_CHECK(l >= 0 && l < ranker.model().num_learners(), "learner {} is not one of the model's {}",
                               l, ranker.model().num_learners());
            Market market;
            Allocation a;
            std::vector<WaitingEntry> waiting;
            std::vector<Demand> demand;
            {
                py::gil_scoped_release release;
                std::vector<Opportunity> extra;
                if (!opportunities_csv.empty()) extra = read_opportunities_csv(opportunities_csv);
                market = build_market(ranker, learners, std::move(extra), now, ranking_rules, rules);
                a = allocate(static_cast<index_t>(learners.size()), market.opportunities, market.candidates, rules);
                waiting = waiting_lists(market, a);
                demand = demand_per_opportunity(market, a);
            }
            std::vector<index_t> c_learner, c_opp;
            std::vector<double> c_utility;
            std::vector<std::string> c_priority;
            for (const auto& c : market.candidates) {
                c_learner.push_back(market.learners[static_cast<std::size_t>(c.learner)]);
                c_opp.push_back(c.opportunity);
                c_utility.push_back(c.utility);
                c_priority.emplace_back(to_string(c.priority));
            }
            py::dict cand;
            cand["learner"] = to_numpy(c_learner);
            cand["opportunity"] = to_numpy(c_opp);
            cand["utility"] = to_numpy(c_utility);
            cand["priority"] = c_priority;
            cand["reasons"] = market.reasons;
            cand["chosen"] = to_numpy(a.chosen);
            std::vector<index_t> w_opp, w_pos, w_cand;
            std::vector<std::uint8_t> w_else;
            for (const auto& w : waiting) {
                w_opp.push_back(w.opportunity);
                w_pos.push_back(w.position);
                w_cand.push_back(w.candidate);
                w_else.push_back(w.placed_elsewhere ? 1 : 0);
            }
            py::dict wait;
            wait["opportunity"] = to_numpy(w_opp);
            wait["position"] = to_numpy(w_pos);
            wait["candidate"] = to_numpy(w_cand);
            wait["placed_elsewhere"] = to_numpy(w_else);
            std::vector<index_t> d_places, d_filled, d_demand, d_unserved;
            for (const auto& d : demand) {
                d_places.push_back(d.places);
                d_filled.push_back(d.filled);
                d_demand.push_back(d.demand);
                d_unserved.push_back(d.unserved);
            }
            py::dict opps = opportunity_columns(market.opportunities);
            opps["filled"] = to_numpy(d_filled);
            opps["demand"] = to_numpy(d_demand);
            opps["unserved"] = to_numpy(d_unserved);
            py::dict out = allocation_summary(a);
            out["candidates"] = cand;
            out["waiting"] = wait;
            out["opportunities"] = opps;
            out["market_seconds"] = market.seconds;
            out["solver_seconds"] = a.seconds;
            return out;
        },
        py::arg("ranker"), py::arg("learners") = py::none(), py::arg("now") = 0, py::arg("opportunities_csv") = "",
        py::arg_v("ranking_rules", ranking::RankingRules{}, "RankingRules()"), py::arg("max_per_learner") = 1, py::arg("fairness") = 0.0,
        py::arg("utility_steps") = 1000, py::arg("candidates_per_learner") = 10, py::arg("horizon_days") = 180,
        py::arg("min_host_fit") = 0.5, py::arg("num_threads") = 0,
        "Candidates from the Ranker's lists, the optimal allocation, waiting lists and demand, as columns.");

    m.def(
        "read_opportunities_csv",
        [](const std::string& path) { return opportunity_columns(read_opportunities_csv(path)); }, py::arg("path"),
        "opportunities.csv (gigs, work packages) as columns; errors name file and line.");
}

}  // namespace learnrec::python
