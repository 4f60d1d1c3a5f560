#include "dpcast/real/synthetic_data.hpp"

#include <string>

#include "dpcast/models/error.hpp"
#include "dpcast/real/rng.hpp"

namespace dpcast::real {
namespace {
constexpr std::uint64_t kFeatures = 1, kTeacher = 2, kFirstToken = 3, kNextToken = 4, kSuccessor = 5, kAnyToken = 6;
constexpr double kSuccessorCumulative[] = {0.6, 0.8, 0.9, 0.95};  // then 0.05 for any token
}  // namespace

SyntheticData::SyntheticData(const GraphPlan& plan, std::uint64_t seed)
    : seed_(seed), tokens_(plan.tokens_in()), inputs_(plan.input_elements()), classes_(plan.classes()) {
  const PlanNode& loss = plan.node(plan.loss_index());
  const auto n = [](std::int64_t v) { return std::to_string(v); };
  if (tokens_ && (loss.rows != inputs_ || classes_ != plan.vocab()))
    throw Error("loss '" + loss.name + "' predicts " + n(classes_) + " classes at " + n(loss.rows) +
                " positions; next-token targets need the vocabulary (" + n(plan.vocab()) + ") at each of the " +
                n(inputs_) + " positions");
  if (!tokens_ && loss.rows != 1)
    throw Error("loss '" + loss.name + "' predicts " + n(loss.rows) +
                " rows per sample; a model without token input gets one class per sample");
  if (!tokens_) {
    teacher_.resize(static_cast<std::size_t>(classes_ * inputs_));
    for (std::size_t e = 0; e < teacher_.size(); ++e)
      teacher_[e] = static_cast<float>(standard_normal(hash_keys({seed_, kTeacher, e})));
  }
}

std::int32_t SyntheticData::successor(std::int32_t token, int k) const {
  return static_cast<std::int32_t>(
      hash_keys({seed_, kSuccessor, static_cast<std::uint64_t>(token), static_cast<std::uint64_t>(k)}) %
      static_cast<std::uint64_t>(classes_));
}

Batch SyntheticData::batch(std::int64_t first, std::int64_t count) const {
  Batch out;
  const auto vocab = static_cast<std::uint64_t>(classes_);
  for (std::int64_t s = 0; s < count; ++s) {
    const auto sample = static_cast<std::uint64_t>(first + s);
    if (tokens_) {
      auto token = static_cast<std::int32_t>(hash_keys({seed_, kFirstToken, sample}) % vocab);
      for (std::int64_t t = 0; t < inputs_; ++t) {
        out.tokens.push_back(token);
        const double u = uniform01(hash_keys({seed_, kNextToken, sample, static_cast<std::uint64_t>(t)}));
        int k = 0;
        while (k < 4 && u >= kSuccessorCumulative[k]) ++k;
        token = k < 4 ? successor(token, k)
                      : static_cast<std::int32_t>(hash_keys({seed_, kAnyToken, sample, static_cast<std::uint64_t>(t)}) %
                                                  vocab);
        out.targets.push_back(token);
      }
    } else {
      const std::size_t base = out.features.size();
      for (std::int64_t j = 0; j < inputs_; ++j)
        out.features.push_back(
            static_cast<float>(standard_normal(hash_keys({seed_, kFeatures, sample, static_cast<std::uint64_t>(j)}))));
      std::int32_t best = 0;
      double best_score = 0;
      for (std::int64_t c = 0; c < classes_; ++c) {
        double score = 0;
        const float* w = teacher_.data() + c * inputs_;
        for (std::int64_t j = 0; j < inputs_; ++j)
          score += static_cast<double>(w[j]) * out.features[base + static_cast<std::size_t>(j)];
        if (c == 0 || score > best_score) best = static_cast<std::int32_t>(c), best_score = score;
      }
      out.targets.push_back(best);
    }
  }
  return out;
}

}  // namespace dpcast::real
