// learnrec allocation — the exact part: CBC on the learners whose clashes a flow cannot express.
//
// A learner whose clashing candidates do not all clash pairwise (A overlaps B overlaps C, A and C
// apart) cannot be written as capacities on a flow. Such learners are coupled to others only
// through places that are asked for more often than they exist (an opportunity whose demand fits
// its places never makes anyone lose it), so the learners split into independent parts: union of
// learners sharing a contended place. A part without such a learner is solved exactly by the
// flow; a part with one is solved here as a MIP by CBC (coinor-libcbc, Debian): binary x per
// candidate, places and per-learner caps, one x_i + x_j <= 1 row per clashing pair, and y_l <= sum
// x_l for the fairness bonus. The priority tiers are solved lexicographically (max mandatory, fix
// it; max skill-gap, fix it; max weight) instead of with the flow's huge tier bonuses, which would
// exceed the precision of CBC's doubles. Objectives are integral, so an absolute gap below 1 proves
// optimality.
#include "allocation_mip.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include <CbcModel.hpp>
#include <CoinMessageHandler.hpp>
#include <CoinPackedMatrix.hpp>
#include <CoinPackedVector.hpp>
#include <OsiClpSolverInterface.hpp>

namespace learnrec::allocation::detail {

namespace {

struct Row {
    std::vector<int> cols;
    std::vector<double> coefs;
    double lower, upper;
};

struct Stage {
    bool proven = false;
    bool found = false;
    std::vector<double> solution;
    double objective = 0.0;
};

Stage solve_stage(int columns, const std::vector<Row>& rows, const std::vector<double>& objective, double seconds) {
    CoinPackedMatrix matrix(false, 0, 0);
    matrix.setDimensions(0, columns);
    std::vector<double> row_lower, row_upper;
    for (const auto& r : rows) {
        matrix.appendRow(CoinPackedVector(static_cast<int>(r.cols.size()), r.cols.data(), r.coefs.data()));
        row_lower.push_back(r.lower);
        row_upper.push_back(r.upper);
    }
    const std::vector<double> col_lower(static_cast<std::size_t>(columns), 0.0),
        col_upper(static_cast<std::size_t>(columns), 1.0);
    OsiClpSolverInterface si;
    si.messageHandler()->setLogLevel(0);
    si.loadProblem(matrix, col_lower.data(), col_upper.data(), objective.data(), row_lower.data(), row_upper.data());
    for (int j = 0; j < columns; ++j) si.setInteger(j);
    si.setObjSense(-1.0);  // maximise
    CbcModel model(si);
    model.setLogLevel(0);
    model.messageHandler()->setLogLevel(0);
    model.setMaximumSeconds(std::max(0.01, seconds));
    model.setAllowableGap(0.5);  // integral objective: a bound within 0.5 of the incumbent proves it
    model.setNumberThreads(0);
    model.branchAndBound();
    Stage out;
    out.proven = model.isProvenOptimal();
    if (const double* x = model.bestSolution(); x != nullptr) {
        out.found = true;
        out.solution.assign(x, x + columns);
        for (auto& v : out.solution) v = v > 0.5 ? 1.0 : 0.0;
        for (int j = 0; j < columns; ++j) out.objective += objective[static_cast<std::size_t>(j)] * out.solution[static_cast<std::size_t>(j)];
    }
    return out;
}

}  // namespace

MipPart solve_part_exactly(const std::vector<Opportunity>& opportunities, std::span<const Candidate> candidates,
                           std::span<const std::size_t> part, const std::vector<std::int64_t>& low_weight,
                           int max_per_learner, std::int64_t fair, double seconds, std::vector<std::uint8_t>& chosen) {
    const auto t0 = std::chrono::steady_clock::now();
    MipPart out;
    // Columns: the candidates (places > 0), then one y per learner when fairness is on.
    std::vector<std::size_t> cols;
    for (const auto k : part)
        if (opportunities[static_cast<std::size_t>(candidates[k].opportunity)].places > 0) cols.push_back(k);
    std::sort(cols.begin(), cols.end(), [&](std::size_t a, std::size_t b) {
        return candidates[a].learner != candidates[b].learner ? candidates[a].learner < candidates[b].learner : a < b;
    });
    const int n = static_cast<int>(cols.size());
    std::vector<Row> rows;
    {
        std::vector<std::size_t> by_opp(cols.size());
        std::iota(by_opp.begin(), by_opp.end(), 0);
        std::sort(by_opp.begin(), by_opp.end(), [&](std::size_t a, std::size_t b) {
            return candidates[cols[a]].opportunity < candidates[cols[b]].opportunity;
        });
        for (std::size_t b = 0; b < by_opp.size();) {
            const auto o = candidates[cols[by_opp[b]]].opportunity;
            std::size_t e = b;
            Row r{{}, {}, 0.0, static_cast<double>(opportunities[static_cast<std::size_t>(o)].places)};
            while (e < by_opp.size() && candidates[cols[by_opp[e]]].opportunity == o) {
                r.cols.push_back(static_cast<int>(by_opp[e]));
                r.coefs.push_back(1.0);
                ++e;
            }
            if (static_cast<double>(r.cols.size()) > r.upper) rows.push_back(std::move(r));
            b = e;
        }
    }
    int y = n;  // next fairness column
    std::vector<double> low(static_cast<std::size_t>(n), 0.0);
    for (int j = 0; j < n; ++j) low[static_cast<std::size_t>(j)] = static_cast<double>(low_weight[cols[static_cast<std::size_t>(j)]]);
    for (int b = 0; b < n;) {
        const auto l = candidates[cols[static_cast<std::size_t>(b)]].learner;
        int e = b;
        while (e < n && candidates[cols[static_cast<std::size_t>(e)]].learner == l) ++e;
        ++out.learners;
        if (e - b > max_per_learner) {
            Row r{{}, {}, 0.0, static_cast<double>(max_per_learner)};
            for (int j = b; j < e; ++j) {
                r.cols.push_back(j);
                r.coefs.push_back(1.0);
            }
            rows.push_back(std::move(r));
        }
        for (int i = b; i < e; ++i)
            for (int j = i + 1; j < e; ++j)
                if (conflicts(opportunities[static_cast<std::size_t>(candidates[cols[static_cast<std::size_t>(i)]].opportunity)],
                              opportunities[static_cast<std::size_t>(candidates[cols[static_cast<std::size_t>(j)]].opportunity)]))
                    rows.push_back({{i, j}, {1.0, 1.0}, 0.0, 1.0});
        if (fair > 0) {
            Row r{{y}, {1.0}, -1e30, 0.0};
            for (int j = b; j < e; ++j) {
                r.cols.push_back(j);
                r.coefs.push_back(-1.0);
            }
            rows.push_back(std::move(r));
            low.push_back(static_cast<double>(fair));
            ++y;
        }
        b = e;
    }
    const int columns = y;
    low.resize(static_cast<std::size_t>(columns), 0.0);
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    auto remaining = [&] { return seconds - elapsed(); };

    out.proven_optimal = true;
    for (const Priority tier : {Priority::mandatory, Priority::skill_gap}) {
        std::vector<double> objective(static_cast<std::size_t>(columns), 0.0);
        bool any = false;
        for (int j = 0; j < n; ++j)
            if (candidates[cols[static_cast<std::size_t>(j)]].priority == tier) objective[static_cast<std::size_t>(j)] = 1.0, any = true;
        if (!any) continue;
        const Stage s = solve_stage(columns, rows, objective, remaining());
        if (!s.found) {
            out.proven_optimal = false;
            out.seconds = elapsed();
            return out;
        }
        out.proven_optimal = out.proven_optimal && s.proven;
        // Later stages keep at least what this one reached (its optimum when proven).
        Row keep{{}, {}, std::round(s.objective), 1e30};
        for (int j = 0; j < n; ++j)
            if (objective[static_cast<std::size_t>(j)] != 0.0) {
                keep.cols.push_back(j);
                keep.coefs.push_back(1.0);
            }
        rows.push_back(std::move(keep));
    }
    const Stage s = solve_stage(columns, rows, low, remaining());
    out.seconds = elapsed();
    if (!s.found) {
        out.proven_optimal = false;
        return out;
    }
    out.proven_optimal = out.proven_optimal && s.proven;
    out.solved = true;
    for (const auto k : part) chosen[k] = 0;
    for (int j = 0; j < n; ++j) chosen[cols[static_cast<std::size_t>(j)]] = s.solution[static_cast<std::size_t>(j)] > 0.5 ? 1 : 0;
    return out;
}

}  // namespace learnrec::allocation::detail
