// Every model the contract tests run. A new model joins the contract by adding one line here.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "learnrec/model/als.hpp"
#include "learnrec/model/bpr.hpp"
#include "learnrec/model/ease.hpp"
#include "learnrec/model/gfcf.hpp"
#include "learnrec/model/hybrid.hpp"
#include "learnrec/model/item_knn.hpp"
#include "learnrec/model/popularity.hpp"

namespace learnrec::testing {

struct ModelFactory {
    std::string name;
    std::function<std::shared_ptr<const Model>(const CsrView& train, int num_threads)> fit;
};

inline std::vector<ModelFactory> all_models() {
    return {
        {"als-cg",
         [](const CsrView& train, int threads) {
             AlsConfig c;
             c.factors = 8;
             c.iterations = 4;
             c.num_threads = threads;
             return std::make_shared<const AlsModel>(fit_als(train, c));
         }},
        {"als-cholesky",
         [](const CsrView& train, int threads) {
             AlsConfig c;
             c.factors = 8;
             c.iterations = 4;
             c.solver = AlsSolver::cholesky;
             c.num_threads = threads;
             return std::make_shared<const AlsModel>(fit_als(train, c));
         }},
        {"gfcf",
         [](const CsrView& train, int threads) {
             GfcfConfig c;
             c.rank = 6;
             c.num_threads = threads;
             return std::make_shared<const GfcfModel>(fit_gfcf(train, c));
         }},
        {"bpr",
         [](const CsrView& train, int threads) {
             BprConfig c;
             c.factors = 8;
             c.iterations = 20;
             c.learning_rate = 0.05f;
             c.num_threads = threads;
             return std::make_shared<const BprModel>(fit_bpr(train, c));
         }},
        {"ease",
         [](const CsrView& train, int threads) {
             EaseConfig c;
             c.lambda = 10.0f;
             c.num_threads = threads;
             return std::make_shared<const EaseModel>(fit_ease(train, c));
         }},
        {"item_knn",
         [](const CsrView& train, int threads) {
             ItemKnnConfig c;
             c.neighbours = 10;
             c.num_threads = threads;
             return std::make_shared<const ItemKnnModel>(fit_item_knn(train, c));
         }},
        {"hybrid",
         [](const CsrView& train, int threads) {
             HybridConfig c;  // ids only: the contract passes no features
             c.factors = 8;
             c.iterations = 20;
             c.num_threads = threads;
             return std::make_shared<const HybridModel>(fit_hybrid(train, nullptr, nullptr, c));
         }},
        {"popularity",
         [](const CsrView& train, int) { return std::make_shared<const PopularityModel>(PopularityModel::fit(train)); }},
    };
}

}  // namespace learnrec::testing
