// learnrec — umbrella header: everything in learnrec::core plus the compiled readers.
#pragma once

#include "learnrec/error.hpp"
#include "learnrec/types.hpp"
#include "learnrec/data/csr.hpp"
#include "learnrec/data/id_map.hpp"
#include "learnrec/data/interactions.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/data/academy.hpp"
#include "learnrec/model/model.hpp"
#include "learnrec/model/factor_model.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/model/popularity.hpp"
#include "learnrec/retrieval/topk.hpp"
#include "learnrec/retrieval/recommend.hpp"
#include "learnrec/eval/split.hpp"
#include "learnrec/eval/metrics.hpp"
