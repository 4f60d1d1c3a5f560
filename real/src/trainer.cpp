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
  c.first_bucket_bytes = s.data_parallel.first_bucket_mb * 1024 * 1024;
  c.bucket_bytes = s.data_parallel.bucket_mb * 1024 * 1024;
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
  Observer(Trainer& t, int step) : t_(t), step_(step) {}

  std::vector<Mark> forward_begin, forward_end, backward_begin, backward_end;  // this micro-step's
  std::vector<Mark> ready;                                                     // per bucket
  std::vector<int> request;                                                    // per bucket

  void before(int node, Pass pass) override {
    const Fault& f = t_.config_.fault;
    if (pass == Pass::Backward && last_ && step_ == f.step && t_.comm_->rank() == f.rank &&
        node == t_.plan_.size() / 2 && f.kind != Fault::Kind::None)
      std::raise(f.kind == Fault::Kind::Kill ? SIGKILL : SIGSTOP);
    (pass == Pass::Forward ? forward_begin : backward_begin)[static_cast<std::size_t>(node)] = t_.device_->mark();
  }

  void after(int node, Pass pass) override {
    const Mark now = t_.device_->mark();
    if (pass == Pass::Forward) {
      forward_end[static_cast<std::size_t>(node)] = now;
      return;
    }
    backward_end[static_cast<std::size_t>(node)] = now;
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

  void set_last(bool last) { last_ = last; }

 private:
  Trainer& t_;
  bool last_ = false;
  int step_;
  bool started_ = false;
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
  const auto layers = static_cast<std::size_t>(plan_.size());
  const auto micro = static_cast<std::size_t>(config_.accumulation);
  const std::size_t buckets = layout_.buckets().size();
  const int ranks = comm_->size();
  const auto b = config_.micro_batch;

  // The step's data, made before its clock starts (an input pipeline would prefetch it).
  std::vector<Batch> batches;
  for (std::size_t a = 0; a < micro; ++a)
    batches.push_back(data_.batch(
        SyntheticData::sample_index(t, static_cast<std::int64_t>(a), config_.accumulation, comm_->rank(), ranks, b, 0),
        b));

  comm_->clear();
  device_->forget_marks();  // the previous step's marks were resolved when it ended
  Observer obs(*this, t);
  obs.ready.assign(buckets, 0);
  obs.request.assign(buckets, -1);
  std::vector<Mark> fb(layers * micro), fe(layers * micro), bb(layers * micro), be(layers * micro);
  double loss_sum = 0;
  const float scale = loss_scale_;  // this step's (1 without loss scaling)
  const float loss_scale = scale / static_cast<float>(config_.accumulation * ranks);

  const Mark step_start = device_->mark();
  Mark backward_start = step_start;
  for (std::size_t a = 0; a < micro; ++a) {
    const bool last = a + 1 == micro;
    obs.set_last(last);
    obs.forward_begin.assign(layers, 0);
    obs.forward_end.assign(layers, 0);
    obs.backward_begin.assign(layers, 0);
    obs.backward_end.assign(layers, 0);
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
    if (last) backward_start = obs.backward_begin[layers - 1];
    std::copy(obs.forward_begin.begin(), obs.forward_begin.end(), fb.begin() + static_cast<std::ptrdiff_t>(a * layers));
    std::copy(obs.forward_end.begin(), obs.forward_end.end(), fe.begin() + static_cast<std::ptrdiff_t>(a * layers));
    std::copy(obs.backward_begin.begin(), obs.backward_begin.end(),
              bb.begin() + static_cast<std::ptrdiff_t>(a * layers));
    std::copy(obs.backward_end.begin(), obs.backward_end.end(), be.begin() + static_cast<std::ptrdiff_t>(a * layers));
  }
  // Without overlap every bucket starts once backward is done.
  if (!config_.overlap && ranks > 1)
    for (std::size_t k = 0; k < buckets; ++k) obs.start(static_cast<int>(k));
  const Mark wait_begin = device_->mark();
  Mark wait_end = wait_begin;  // one rank: nothing to wait for
  if (ranks > 1) {
    comm_->wait_all();
    wait_end = device_->mark();
  }
  bool skipped = false;
  if (config_.loss_scaling.enabled) {
    // Unscale, and skip the step if anything overflowed (every rank holds the same sums, so
    // every rank decides the same).
    Kernels& k = executor_.kernels();
    k.fill(nonfinite_.data(), 1, 0.0f);
    k.unscale_check(executor_.grads(), static_cast<std::int64_t>(layout_.total()), 1.0f / scale, nonfinite_.data());
    float flag = 0;
    device_->download(&flag, nonfinite_.data(), sizeof flag);
    skipped = flag != 0;
    const LossScaling& ls = config_.loss_scaling;
    if (skipped) {
      loss_scale_ *= ls.backoff_factor;
      good_steps_ = 0;
    } else if (++good_steps_ >= ls.growth_interval) {
      loss_scale_ *= ls.growth_factor;
      good_steps_ = 0;
    }
  }
  if (!skipped) optimizer_.step(executor_.params(), executor_.grads());
  device_->synchronize();
  const Mark step_end = device_->mark();

  StepTimes s;
  s.layers = layers;
  s.micro = micro;
  s.buckets = buckets;
  auto since = [&](Mark m) { return device_->elapsed(step_start, m); };
  auto convert = [&](const std::vector<Mark>& marks, std::vector<double>& out) {
    out.resize(marks.size());
    for (std::size_t i = 0; i < marks.size(); ++i) out[i] = since(marks[i]);
  };
  convert(fb, s.forward_begin);
  convert(fe, s.forward_end);
  convert(bb, s.backward_begin);
  convert(be, s.backward_end);
  s.backward_start_s = since(backward_start);
  for (std::size_t k = 0; k < buckets; ++k) {
    // On one rank nothing is exchanged: a bucket is done when it is ready.
    const Mark ready = config_.overlap ? obs.ready[k] : wait_begin;
    const RequestTimes rt = obs.request[k] >= 0 ? comm_->times(obs.request[k]) : RequestTimes{ready, ready};
    s.bucket_ready_s.push_back(since(obs.ready[k]));
    s.bucket_start_s.push_back(since(rt.start));
    s.bucket_end_s.push_back(since(rt.end));
  }
  s.wait_begin_s = since(wait_begin);
  s.wait_end_s = since(wait_end);
  s.optimizer_begin_s = s.wait_end_s;
  s.optimizer_end_s = since(step_end);
  s.step_s = s.optimizer_end_s;
  s.loss_scale = scale;
  s.skipped = skipped;
  // The mean loss over the global batch (outside the step's clock).
  s.loss = comm_->sum(loss_sum / static_cast<double>(micro)) / ranks;
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
