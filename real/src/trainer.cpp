#include "dpcast/real/trainer.hpp"

#include <csignal>

#include "dpcast/models/error.hpp"
#include "dpcast/real/initialization.hpp"

namespace dpcast::real {

TrainConfig TrainConfig::from(const models::Scenario& s) {
  TrainConfig c;
  c.micro_batch = s.training.micro_batch;
  c.accumulation = s.training.grad_accumulation;
  c.optimizer = s.training.optimizer;
  c.overlap = s.data_parallel.overlap;
  c.first_bucket_bytes = s.data_parallel.first_bucket_bytes();
  c.bucket_bytes = s.data_parallel.bucket_bytes();
  c.loss_scaling.enabled = s.training.precision == models::Precision::Fp16;
  return c;
}

// ---- StepTimes ----

double StepTimes::forward_s() const {
  double t = 0;  // each micro-step's forward: from its first layer's start to its last layer's end
  for (std::size_t a = 0; a < micro && layers > 0; ++a)
    t += forward_end[a * layers + layers - 1] - forward_begin[a * layers];
  return t;
}

double StepTimes::backward_s() const {
  double t = 0;  // backward runs from the last layer to the first
  for (std::size_t a = 0; a < micro && layers > 0; ++a)
    t += backward_end[a * layers] - backward_begin[a * layers + layers - 1];
  return t;
}

double StepTimes::comm_total_s() const {
  double t = 0;
  for (std::size_t k = 0; k < buckets; ++k) t += bucket_end_s[k] - bucket_start_s[k];
  return t;
}

std::vector<double> StepTimes::serialize() const {
  std::vector<double> f{static_cast<double>(layers),
                        static_cast<double>(micro),
                        static_cast<double>(buckets),
                        step_s,
                        loss,
                        backward_start_s,
                        wait_begin_s,
                        wait_end_s,
                        optimizer_begin_s,
                        optimizer_end_s,
                        loss_scale,
                        skipped ? 1.0 : 0.0};
  for (const auto* v :
       {&forward_begin, &forward_end, &backward_begin, &backward_end, &bucket_ready_s, &bucket_start_s, &bucket_end_s})
    f.insert(f.end(), v->begin(), v->end());
  return f;
}

StepTimes StepTimes::deserialize(const std::vector<double>& f) {
  StepTimes s;
  constexpr std::size_t kFixed = 12;
  if (f.size() < kFixed) throw Error("step times: truncated");
  s.layers = static_cast<std::size_t>(f[0]);
  s.micro = static_cast<std::size_t>(f[1]);
  s.buckets = static_cast<std::size_t>(f[2]);
  s.step_s = f[3];
  s.loss = f[4];
  s.backward_start_s = f[5];
  s.wait_begin_s = f[6];
  s.wait_end_s = f[7];
  s.optimizer_begin_s = f[8];
  s.optimizer_end_s = f[9];
  s.loss_scale = f[10];
  s.skipped = f[11] != 0;
  if (f.size() != kFixed + 4 * s.layers * s.micro + 3 * s.buckets) throw Error("step times: wrong size");
  auto at = f.begin() + kFixed;
  auto take = [&](std::vector<double>& v, std::size_t n) {
    v.assign(at, at + static_cast<std::ptrdiff_t>(n));
    at += static_cast<std::ptrdiff_t>(n);
  };
  for (auto* v : {&s.forward_begin, &s.forward_end, &s.backward_begin, &s.backward_end}) take(*v, s.layers * s.micro);
  for (auto* v : {&s.bucket_ready_s, &s.bucket_start_s, &s.bucket_end_s}) take(*v, s.buckets);
  return s;
}

// ---- Trainer ----

// Around every layer's pass: time it, and in the last micro-step's backward start each
// bucket's all-reduce as soon as its last gradient exists, then let the transport progress.
class Trainer::Observer final : public LayerObserver {
 public:
  Observer(Trainer& t, int step, std::size_t micro_steps)
      : t_(t), step_(step), layers_(static_cast<std::size_t>(t.plan_.size())) {
    for (auto* marks : {&forward_begin, &forward_end, &backward_begin, &backward_end})
      marks->assign(layers_ * micro_steps, 0);
    ready.assign(t.layout_.buckets().size(), 0);
    request.assign(t.layout_.buckets().size(), -1);
  }

  // Per micro-step and layer: [micro_step * layers + plan index], as in StepTimes.
  std::vector<Mark> forward_begin, forward_end, backward_begin, backward_end;
  std::vector<Mark> ready;   // per bucket
  std::vector<int> request;  // per bucket

  void before(int node, Pass pass) override {
    const Fault& f = t_.config_.fault;
    if (pass == Pass::Backward && last_ && step_ == f.step && t_.comm_->rank() == f.rank &&
        node == t_.plan_.size() / 2 && f.kind != Fault::Kind::None)
      std::raise(f.kind == Fault::Kind::Kill ? SIGKILL : SIGSTOP);
    (pass == Pass::Forward ? forward_begin : backward_begin)[at(node)] = t_.device_->mark();
  }

  void after(int node, Pass pass) override {
    const Mark now = t_.device_->mark();
    if (pass == Pass::Forward) {
      forward_end[at(node)] = now;
      return;
    }
    backward_end[at(node)] = now;
    if (!last_) return;
    const int bucket = t_.layout_.bucket_completed_by(node);
    if (bucket >= 0) {
      ready[static_cast<std::size_t>(bucket)] = now;
      if (t_.config_.overlap && t_.comm_->size() > 1) start(bucket);
    }
    if (started_) t_.comm_->progress();
  }

  void start(int bucket) {
    const BucketSpan& b = t_.layout_.buckets()[static_cast<std::size_t>(bucket)];
    request[static_cast<std::size_t>(bucket)] = t_.comm_->start_allreduce(t_.executor_.grads() + b.offset, b.count);
    started_ = true;
  }

  void set_micro_step(std::size_t micro_step, bool last) {
    micro_step_ = micro_step;
    last_ = last;
  }

 private:
  [[nodiscard]] std::size_t at(int node) const { return micro_step_ * layers_ + static_cast<std::size_t>(node); }

  Trainer& t_;
  int step_;
  std::size_t layers_;
  std::size_t micro_step_ = 0;
  bool last_ = false;
  bool started_ = false;
};

// The marks of one step that are not per layer or bucket.
struct Trainer::StepMarks {
  Mark start = 0;
  Mark backward_start = 0;  // the last micro-step's backward
  Mark wait_begin = 0, wait_end = 0;
  Mark end = 0;
};

Trainer::Trainer(const models::ModelGraph& graph, TrainConfig config, Device& device, Kernels& kernels,
                 Communicator& comm)
    : plan_(graph),
      layout_(plan_, config.first_bucket_bytes, config.bucket_bytes),
      config_(config),
      device_(&device),
      comm_(&comm),
      executor_(plan_, layout_, device, kernels, ExecutorOptions{config.micro_batch, false}),
      optimizer_(config.optimizer, config.lr > 0 ? config.lr : default_learning_rate(config.optimizer), layout_, device,
                 kernels),
      data_(plan_, config.seed),
      nonfinite_(device, 1) {
  if (config_.accumulation < 1) throw Error("gradient accumulation must be at least 1");
  if (config_.loss_scaling.enabled) {
    const LossScaling& ls = config_.loss_scaling;
    if (!(ls.initial_scale > 0) || !(ls.growth_factor >= 1) || !(ls.backoff_factor > 0 && ls.backoff_factor < 1) ||
        ls.growth_interval < 1)
      throw Error("loss scaling: needs a positive scale, growth >= 1, backoff in (0, 1) and a growth interval >= 1");
    loss_scale_ = ls.initial_scale;
  }
  const std::vector<float> init = initial_parameters(plan_, layout_, config_.seed);
  device.upload(executor_.params(), init.data(), init.size() * sizeof(float));
}

Trainer::~Trainer() = default;

std::int64_t Trainer::global_batch() const {
  return config_.micro_batch * config_.accumulation * comm_->size();
}

std::vector<float> Trainer::parameters() {
  std::vector<float> host(layout_.total());
  device_->download(host.data(), executor_.params(), host.size() * sizeof(float));
  return host;
}

StepTimes Trainer::step(int t) {
  const std::vector<Batch> batches = step_batches(t);
  comm_->clear();
  device_->forget_marks();  // the previous step's marks were resolved when it ended
  Observer obs(*this, t, batches.size());
  const float scale = loss_scale_;  // this step's (1 without loss scaling)

  StepMarks marks;
  marks.start = device_->mark();
  const double loss_sum = run_micro_steps(batches, scale, obs, marks);
  wait_for_gradients(obs, marks);
  const bool skipped = config_.loss_scaling.enabled && unscale_and_check(scale);
  if (!skipped) optimizer_.step(executor_.params(), executor_.grads());
  device_->synchronize();
  marks.end = device_->mark();

  StepTimes s = step_times(obs, marks);
  s.loss_scale = scale;
  s.skipped = skipped;
  // The mean loss over the global batch (outside the step's clock).
  s.loss = comm_->sum(loss_sum / static_cast<double>(batches.size())) / comm_->size();
  return s;
}

// The step's data, made before its clock starts (an input pipeline would prefetch it).
std::vector<Batch> Trainer::step_batches(int t) {
  const auto b = config_.micro_batch;
  std::vector<Batch> batches;
  for (std::int64_t a = 0; a < config_.accumulation; ++a)
    batches.push_back(
        data_.batch(SyntheticData::sample_index(t, a, config_.accumulation, comm_->rank(), comm_->size(), b, 0), b));
  return batches;
}

// Forward and backward of every micro-batch, the gradients accumulating; returns the sum of
// their losses.
double Trainer::run_micro_steps(const std::vector<Batch>& batches, float scale, Observer& obs, StepMarks& marks) {
  const std::size_t micro = batches.size();
  const float loss_scale = scale / static_cast<float>(config_.accumulation * comm_->size());
  double loss_sum = 0;
  marks.backward_start = marks.start;
  const auto layers = static_cast<std::size_t>(plan_.size());
  for (std::size_t a = 0; a < micro; ++a) {
    const bool last = a + 1 == micro;
    obs.set_micro_step(a, last);
    const Batch& batch = batches[a];
    if (plan_.tokens_in())
      executor_.set_tokens(batch.tokens);
    else
      executor_.set_features(batch.features);
    executor_.set_targets(batch.targets);
    executor_.forward(&obs);
    executor_.backward(loss_scale, a > 0, &obs);
    // Read after backward (which leaves it alone): on a GPU, reading waits for the device,
    // and backward's kernels are queued by then.
    loss_sum += executor_.loss();
    if (last) marks.backward_start = obs.backward_begin[a * layers + layers - 1];
  }
  return loss_sum;
}

// Starts the buckets not started during backward, and waits for every all-reduce.
void Trainer::wait_for_gradients(Observer& obs, StepMarks& marks) {
  const int ranks = comm_->size();
  // Without overlap every bucket starts once backward is done.
  if (!config_.overlap && ranks > 1)
    for (std::size_t k = 0; k < layout_.buckets().size(); ++k) obs.start(static_cast<int>(k));
  marks.wait_begin = device_->mark();
  marks.wait_end = marks.wait_begin;  // one rank: nothing to wait for
  if (ranks > 1) {
    comm_->wait_all();
    marks.wait_end = device_->mark();
  }
}

// Loss scaling: unscales the gradients and says whether any overflowed (every rank holds the
// same sums, so every rank decides the same); then backs the scale off or grows it.
bool Trainer::unscale_and_check(float scale) {
  Kernels& k = executor_.kernels();
  k.fill(nonfinite_.data(), 1, 0.0f);
  k.unscale_check(executor_.grads(), static_cast<std::int64_t>(layout_.total()), 1.0f / scale, nonfinite_.data());
  float flag = 0;
  device_->download(&flag, nonfinite_.data(), sizeof flag);
  const bool overflowed = flag != 0;
  const LossScaling& ls = config_.loss_scaling;
  if (overflowed) {
    loss_scale_ *= ls.backoff_factor;
    good_steps_ = 0;
  } else if (++good_steps_ >= ls.growth_interval) {
    loss_scale_ *= ls.growth_factor;
    good_steps_ = 0;
  }
  return overflowed;
}

// The marks as seconds from the step's start.
StepTimes Trainer::step_times(const Observer& obs, const StepMarks& marks) const {
  const std::size_t buckets = layout_.buckets().size();
  StepTimes s;
  s.layers = static_cast<std::size_t>(plan_.size());
  s.micro = static_cast<std::size_t>(config_.accumulation);
  s.buckets = buckets;
  auto since = [&](Mark m) { return device_->elapsed(marks.start, m); };
  auto convert = [&](const std::vector<Mark>& from, std::vector<double>& out) {
    out.resize(from.size());
    for (std::size_t i = 0; i < from.size(); ++i) out[i] = since(from[i]);
  };
  convert(obs.forward_begin, s.forward_begin);
  convert(obs.forward_end, s.forward_end);
  convert(obs.backward_begin, s.backward_begin);
  convert(obs.backward_end, s.backward_end);
  s.backward_start_s = since(marks.backward_start);
  for (std::size_t k = 0; k < buckets; ++k) {
    // On one rank nothing is exchanged: a bucket is done when it is ready.
    const Mark ready = config_.overlap ? obs.ready[k] : marks.wait_begin;
    const RequestTimes rt = obs.request[k] >= 0 ? comm_->times(obs.request[k]) : RequestTimes{ready, ready};
    s.bucket_ready_s.push_back(since(obs.ready[k]));
    s.bucket_start_s.push_back(since(rt.start));
    s.bucket_end_s.push_back(since(rt.end));
  }
  s.wait_begin_s = since(marks.wait_begin);
  s.wait_end_s = since(marks.wait_end);
  s.optimizer_begin_s = s.wait_end_s;
  s.optimizer_end_s = since(marks.end);
  s.step_s = s.optimizer_end_s;
  return s;
}

std::vector<StepTimes> Trainer::run(const std::function<void(int, const StepTimes&)>& on_step) {
  std::vector<StepTimes> steps;
  for (int t = 0; t < config_.warmup + config_.steps; ++t) {
    steps.push_back(step(t));
    if (on_step) on_step(t, steps.back());
  }
  return steps;
}

}  // namespace dpcast::real
