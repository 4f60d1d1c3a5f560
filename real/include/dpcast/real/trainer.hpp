#pragma once
// Trainer: data-parallel training of one model on one rank, with every step timed.
//
// Each step runs `accumulation` micro-steps of forward and backward. Gradients accumulate in
// the flat buffer; only the last micro-step communicates (as the predictors assume): the
// moment backward has computed a bucket's last gradient, the bucket's in-place all-reduce
// starts and overlaps the rest of backward (or, with overlap off, all start after backward).
// The trainer then waits for every bucket (the exposed communication) and steps the optimizer.
// The loss gradient is pre-scaled by 1 / (accumulation x ranks), so the all-reduce is a plain
// sum and the update follows the mean loss over the global batch.
//
// With loss scaling (fp16 matrix products, whose inputs underflow below 6e-8 and overflow
// above 65504), the loss gradient is also multiplied by a scale S; after the all-reduce the
// gradients are divided by S and checked: if any is infinite or NaN (the same on every rank,
// since they hold the same sums) the optimizer step is skipped and S halves, and after
// `growth_interval` good steps in a row S doubles -- torch.cuda.amp.GradScaler's rule.
//
// It is backend-neutral: device, kernels and transport come in as interfaces.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "dpcast/models/byte_units.hpp"
#include "dpcast/models/model_graph.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/real/communicator.hpp"
#include "dpcast/real/executor.hpp"
#include "dpcast/real/optimizer.hpp"
#include "dpcast/real/synthetic_data.hpp"

namespace dpcast::real {

/// Test machinery: make one rank die (SIGKILL) or hang (SIGSTOP) in the middle of a step's
/// last backward, to check that the others fail fast instead of waiting forever.
struct Fault {
  enum class Kind { None, Kill, Stop };
  Kind kind = Kind::None;
  int rank = -1;
  int step = -1;
};

/// Dynamic loss scaling (off unless the scenario trains in fp16).
struct LossScaling {
  bool enabled = false;
  float initial_scale = 65536.0f;  // 2^16, GradScaler's default
  float growth_factor = 2.0f;
  float backoff_factor = 0.5f;
  int growth_interval = 2000;  // good steps in a row before the scale grows
};

struct TrainConfig {
  std::int64_t micro_batch = 1;
  std::int64_t accumulation = 1;
  models::Optimizer optimizer = models::Optimizer::Adam;
  float lr = 0;  // 0: default_learning_rate(optimizer)
  bool overlap = true;
  double first_bucket_bytes = models::kMiB;
  double bucket_bytes = 25 << 20;
  int steps = 20;  // measured steps
  int warmup = 3;  // steps run first and not measured
  std::uint64_t seed = 1;
  LossScaling loss_scaling;
  Fault fault;
  /// Takes the scenario's micro-batch, accumulation, optimizer, overlap and bucket sizes, and
  /// turns loss scaling on for fp16.
  [[nodiscard]] static TrainConfig from(const models::Scenario& scenario);
};

/// One step on one rank; times in seconds from the step's start.
struct StepTimes {
  std::size_t layers = 0, micro = 0, buckets = 0;  // sizes of the arrays below
  double step_s = 0;
  double loss = 0;        // mean loss over the global batch
  double loss_scale = 1;  // the scale the loss gradient was multiplied by (1 without loss scaling)
  bool skipped = false;   // the gradients overflowed: no optimizer step
  // Per micro-step and layer: [micro * layers + plan index].
  std::vector<double> forward_begin, forward_end, backward_begin, backward_end;
  double backward_start_s = 0;  // the last micro-step's backward starts (bucket times count from here)
  std::vector<double> bucket_ready_s, bucket_start_s, bucket_end_s;  // per bucket
  double wait_begin_s = 0, wait_end_s = 0;                           // waiting for the all-reduces after backward
  double optimizer_begin_s = 0, optimizer_end_s = 0;

  [[nodiscard]] double forward_s() const;   // all micro-steps
  [[nodiscard]] double backward_s() const;  // all micro-steps
  [[nodiscard]] double exposed_comm_s() const { return wait_end_s - wait_begin_s; }
  [[nodiscard]] double comm_total_s() const;
  [[nodiscard]] double optimizer_s() const { return optimizer_end_s - optimizer_begin_s; }
  /// Flat form for gathering to rank 0, and back (sizes known from the plan).
  [[nodiscard]] std::vector<double> serialize() const;
  [[nodiscard]] static StepTimes deserialize(const std::vector<double>& flat);
};

class Trainer {
 public:
  /// Plans `graph` (which must outlive the trainer), lays out its parameters and gives every
  /// rank the same initial weights. Throws dpcast::Error for a graph it cannot run.
  Trainer(const models::ModelGraph& graph, TrainConfig config, Device& device, Kernels& kernels, Communicator& comm);
  ~Trainer();

  /// Runs warmup + steps steps from the initial weights; `on_step(step, times)` after each.
  std::vector<StepTimes> run(const std::function<void(int, const StepTimes&)>& on_step = {});
  /// One step (step index t selects the data); used by run().
  StepTimes step(int t);

  [[nodiscard]] const GraphPlan& plan() const { return plan_; }
  [[nodiscard]] const ParamLayout& layout() const { return layout_; }
  [[nodiscard]] const TrainConfig& config() const { return config_; }
  [[nodiscard]] Executor& executor() { return executor_; }
  [[nodiscard]] const Executor& executor() const { return executor_; }
  [[nodiscard]] const Optimizer& optimizer() const { return optimizer_; }
  [[nodiscard]] Communicator& communicator() { return *comm_; }
  /// The parameters, copied to the host.
  [[nodiscard]] std::vector<float> parameters();
  /// Samples of the global batch of one step.
  [[nodiscard]] std::int64_t global_batch() const;
  /// The loss scale the next step uses (1 without loss scaling).
  [[nodiscard]] float loss_scale() const { return loss_scale_; }

 private:
  class Observer;
  struct StepMarks;
  // step()'s parts, in order (trainer.cpp).
  [[nodiscard]] std::vector<Batch> step_batches(int t);
  double run_micro_steps(const std::vector<Batch>& batches, float scale, Observer& obs, StepMarks& marks);
  void wait_for_gradients(Observer& obs, StepMarks& marks);
  /// Loss scaling: true when the gradients overflowed (the step is skipped).
  bool unscale_and_check(float scale);
  [[nodiscard]] StepTimes step_times(const Observer& obs, const StepMarks& marks) const;

  GraphPlan plan_;
  ParamLayout layout_;
  TrainConfig config_;
  Device* device_;
  Communicator* comm_;
  Executor executor_;
  Optimizer optimizer_;
  SyntheticData data_;
  float loss_scale_ = 1;
  int good_steps_ = 0;            // in a row, since the scale last changed
  DeviceArray<float> nonfinite_;  // one flag: the gradients overflowed (loss scaling)
};

}  // namespace dpcast::real
