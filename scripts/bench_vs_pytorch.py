#!/usr/bin/python3
"""Step time of dpcast-train against PyTorch DDP on the same models, batches and ranks.

For each scenario (default: scenarios/real/mlp-cpu.yaml and gpt-cpu.yaml) this runs

  * PyTorch DistributedDataParallel, gloo backend, on CPU: the same model (an MLP, or a
    GPT-2 block stack with tied embeddings and eager causal attention), the same micro-batch,
    sequence length, optimizer (SGD with momentum 0.9 / AdamW with decay on matrices),
    bucket sizes, number of ranks and one compute thread per rank (each rank pinned to its
    own core, as mpirun pins dpcast-train's ranks);
  * mpirun -n N build/bin/dpcast-train SCENARIO;

and prints both step-time medians (the slowest rank's step, after warm-up) and their ratio
(dpcast / PyTorch: below 1 means dpcast-train is faster). Runs alternate, --repeats times,
and the figure is the median over repeats, so that other load on the machine hits both.

With --cuda (default scenarios: scenarios/real/gpt2-small-cuda.yaml) both run on GPUs: PyTorch
DDP over NCCL, one process per GPU, the scenario's precision (bf16/fp16 autocast with fp32
master weights, a GradScaler for fp16; tf32 matmuls for tf32), eager and, with --compile, also
torch.compile; dpcast-train --backend cuda --gpus N. The issue's target is dpcast-train's
tokens/s at least 0.8x PyTorch's, eager and compiled: a ratio (step time dpcast / PyTorch) of
at most 1.25.

Needs Debian's python3-torch (1.13; `apt-get install python3-torch`) on CPU, a CUDA build of
PyTorch (2.x for --compile) with --cuda; not needed by CI.
As root, OpenMPI needs OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 (set here).

With --records DIR, each PyTorch variant's steps also become a measured run record
(DIR/<scenario>-<variant>.json, written by `dpcast record`: median, p10 and p90 of every
measured step), so PyTorch's runs compare with predictions like dpcast-train's records do:
`dpcast compare --predict DIR/*.json`.

  scripts/bench_vs_pytorch.py [--repeats 3] [--steps 30] [--warmup 5] [--records DIR] [SCENARIO ...]
  scripts/bench_vs_pytorch.py --cuda [--compile] [SCENARIO ...]
"""
import argparse
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# ---------------------------------------------------------------- the scenario

def load_scenario(path):
    """The few settings both trainers need, read with dpcast's own defaults."""
    import yaml

    with open(path) as f:
        s = yaml.safe_load(f)
    if "sweep" in s:
        sys.exit(f"{path}: a sweep; pick one configuration")
    model = s["model"]
    training = s.get("training", {})
    dp = s.get("data_parallel", {})
    cluster = s["cluster"]
    # cpu-host has 2 workers per node; write gpus_per_node for GPU nodes.
    ranks = cluster.get("nodes", 1) * cluster.get("gpus_per_node", 2)
    cfg = {
        "name": s.get("name", os.path.basename(path)),
        "ranks": ranks,
        "micro_batch": training.get("micro_batch", 1),
        "accumulation": training.get("grad_accumulation", 1),
        "optimizer": training.get("optimizer", "adam"),
        "bucket_mb": dp.get("bucket_mb", 25),
        "first_bucket_mb": dp.get("first_bucket_mb", 1),
        "precision": training.get("precision", "fp32"),
    }
    if not isinstance(model, dict) or model.get("zoo") not in ("mlp", "gpt2-small"):
        sys.exit(f"{path}: only {{zoo: mlp, widths: ...}} and {{zoo: gpt2-small, ...}} models are compared")
    if model["zoo"] == "mlp":
        cfg["kind"] = "mlp"
        cfg["widths"] = model.get("widths", [1024, 4096, 4096, 1024])
    else:
        cfg["kind"] = "gpt"
        d = model.get("d_model", 768)
        cfg.update(layers=model.get("layers", 12), d_model=d, heads=model.get("heads", 12),
                   vocab=model.get("vocab", 50257), ffn=model.get("ffn", 4 * d),
                   max_seq_len=model.get("max_seq_len", 1024),
                   seq_len=training.get("seq_len", model.get("seq_len", 1024)))
    return cfg


# ---------------------------------------------------------------- PyTorch

def build_model(cfg):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    if cfg["kind"] == "mlp":
        layers = []
        w = cfg["widths"]
        for i in range(len(w) - 1):
            layers.append(nn.Linear(w[i], w[i + 1]))
            if i + 2 < len(w):
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    class Block(nn.Module):
        def __init__(self, d, heads, ffn):
            super().__init__()
            self.heads = heads
            self.norm1 = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.norm2 = nn.LayerNorm(d)
            self.fc = nn.Linear(d, ffn)
            self.gelu = nn.GELU(approximate="tanh")
            self.out = nn.Linear(ffn, d)

        def forward(self, x):
            b, s, d = x.shape
            q, k, v = self.qkv(self.norm1(x)).split(d, dim=2)
            q, k, v = (t.view(b, s, self.heads, d // self.heads).transpose(1, 2) for t in (q, k, v))
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(d // self.heads)
            mask = torch.ones(s, s, dtype=torch.bool, device=x.device).triu(1)
            att = F.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
            y = (att @ v).transpose(1, 2).reshape(b, s, d)
            x = x + self.proj(y)
            return x + self.out(self.gelu(self.fc(self.norm2(x))))

    class Gpt(nn.Module):
        def __init__(self, c):
            super().__init__()
            d = c["d_model"]
            self.wte = nn.Embedding(c["vocab"], d)
            self.wpe = nn.Embedding(c["max_seq_len"], d)
            self.blocks = nn.ModuleList(Block(d, c["heads"], c["ffn"]) for _ in range(c["layers"]))
            self.norm_f = nn.LayerNorm(d)
            self.lm_head = nn.Linear(d, c["vocab"], bias=False)
            self.lm_head.weight = self.wte.weight  # tied, as dpcast's GPT-2
            self.register_buffer("positions", torch.arange(c["seq_len"]), persistent=False)

        def forward(self, tokens):
            x = self.wte(tokens) + self.wpe(self.positions)
            for blk in self.blocks:
                x = blk(x)
            return self.lm_head(self.norm_f(x))

    return Gpt(cfg)


def make_optimizer(cfg, model):
    import torch

    if cfg["optimizer"] == "sgd":
        return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                             lr=1e-3, betas=(0.9, 0.999), eps=1e-8)


def torch_worker(rank, cfg, steps, warmup, port, out_path, cuda=False, compiled=False):
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from torch.nn.parallel import DistributedDataParallel as DDP

    import faulthandler

    faulthandler.dump_traceback_later(600, exit=True)  # a hung worker says where, then ends
    if cuda:
        torch.cuda.set_device(rank)
        device = torch.device("cuda", rank)
        torch.backends.cuda.matmul.allow_tf32 = cfg["precision"] == "tf32"
        torch.backends.cudnn.allow_tf32 = cfg["precision"] == "tf32"
    else:
        device = torch.device("cpu")
        os.sched_setaffinity(0, {rank % os.cpu_count()})  # one core per rank, as mpirun binds
        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
    dist.init_process_group("nccl" if cuda else "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=cfg["ranks"])
    torch.manual_seed(1)
    dist._DEFAULT_FIRST_BUCKET_BYTES = int(cfg["first_bucket_mb"] * 2**20)
    model = DDP(build_model(cfg).to(device), bucket_cap_mb=cfg["bucket_mb"], broadcast_buffers=False)
    opt = make_optimizer(cfg, model)
    if compiled:
        model = torch.compile(model)
    # fp32 master weights; matrix products in the scenario's precision (as dpcast-train --backend cuda).
    autocast_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(cfg["precision"]) if cuda else None
    scaler = torch.cuda.amp.GradScaler() if cuda and cfg["precision"] == "fp16" else None
    b = cfg["micro_batch"]
    gen = torch.Generator().manual_seed(100 + rank)

    def batch():
        if cfg["kind"] == "mlp":
            w = cfg["widths"]
            x, y = torch.randn(b, w[0], generator=gen), torch.randint(0, w[-1], (b,), generator=gen)
        else:
            tokens = torch.randint(0, cfg["vocab"], (b, cfg["seq_len"] + 1), generator=gen)
            x, y = tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous()
        return x.to(device), y.to(device)

    def sync():
        if cuda:
            torch.cuda.synchronize()

    times = []
    for step in range(warmup + steps):
        data = [batch() for _ in range(cfg["accumulation"])]  # made before the clock starts
        sync()
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        for a, (x, y) in enumerate(data):
            last = a + 1 == len(data)
            ctx = model.no_sync() if not last else _nullcontext()
            with ctx:
                with torch.autocast("cuda", dtype=autocast_dtype, enabled=autocast_dtype is not None):
                    logits = model(x)
                    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), y.reshape(-1)) / len(data)
                (scaler.scale(loss) if scaler else loss).backward()
        if scaler:
            scaler.step(opt)
            scaler.update()
        else:
            opt.step()
        sync()
        times.append(time.perf_counter() - start)
    every = [None] * cfg["ranks"]
    dist.all_gather_object(every, times)
    if rank == 0:
        slowest = [max(r[t] for r in every) for t in range(len(times))]
        with open(out_path, "w") as f:
            json.dump(slowest[warmup:], f)
    dist.destroy_process_group()
    # Debian's torch 1.13 sometimes hangs in interpreter teardown after gloo (a native thread
    # that never exits): leave at once, the results are written.
    sys.stdout.flush()
    os._exit(0)


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_torch(cfg, steps, warmup, cuda=False, compiled=False):
    """Every measured step's time (the slowest rank's), after warm-up."""
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "times.json")
        mp.spawn(torch_worker, args=(cfg, steps, warmup, free_port(), out, cuda, compiled), nprocs=cfg["ranks"],
                 join=True)
        with open(out) as f:
            return json.load(f)


def write_record(dpcast, scenario, steps, engine, path):
    """A measured run record of PyTorch's steps (dpcast record): median, p10 and p90."""
    ordered = sorted(steps)
    at = lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
    subprocess.run([dpcast, "record", scenario, "--step-time", repr(statistics.median(ordered)), "--p10",
                    repr(at(0.1)), "--p90", repr(at(0.9)), "--engine", engine, "-o", path], check=True)


# ---------------------------------------------------------------- dpcast-train

def run_dpcast(train, scenario, ranks, steps, warmup, extra, cuda=False):
    with tempfile.TemporaryDirectory() as tmp:
        record = os.path.join(tmp, "record.json")
        start = ([train, "--backend", "cuda", "--gpus", str(ranks)] if cuda else ["mpirun", "-n", str(ranks), train])
        cmd = start + [scenario, "--steps", str(steps), "--warmup", str(warmup), "-o", record]
        cmd += extra.split()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env={**os.environ, **THREAD_ENV})
        with open(record) as f:
            return json.load(f)["step_time_s"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*")
    parser.add_argument("--train", default=os.path.join(ROOT, "build/bin/dpcast-train"))
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dpcast-args", default="", help="more arguments for dpcast-train (e.g. '--progress test')")
    parser.add_argument("--cuda", action="store_true", help="on GPUs: PyTorch DDP over NCCL, dpcast-train --backend cuda")
    parser.add_argument("--compile", action="store_true", help="--cuda: also PyTorch with torch.compile")
    parser.add_argument("--records", help="also write each PyTorch variant's steps as a measured run record here")
    parser.add_argument("--dpcast", default=os.path.join(ROOT, "build/bin/dpcast"))
    args = parser.parse_args()
    if args.compile and not args.cuda:
        parser.error("--compile needs --cuda")
    if not args.scenarios:
        names = ["gpt2-small-cuda.yaml"] if args.cuda else ["mlp-cpu.yaml", "gpt-cpu.yaml"]
        args.scenarios = [os.path.join(ROOT, "scenarios/real", n) for n in names]
    os.environ.update(THREAD_ENV, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")

    variants = [("PyTorch DDP", False)] + ([("torch.compile", True)] if args.compile else [])
    print(f"{'scenario':34} {'ranks':>5} " + " ".join(f"{name:>13} {'ratio':>6}" for name, _ in variants) +
          f" {'dpcast-train':>13}   (median step time over {args.repeats} alternating runs of {args.steps} steps; "
          "ratio = dpcast / PyTorch)")
    for path in args.scenarios:
        cfg = load_scenario(path)
        torch_s, dpcast_s = {name: [] for name, _ in variants}, []
        every_step = {name: [] for name, _ in variants}
        for _ in range(args.repeats):
            for name, compiled in variants:
                steps = run_torch(cfg, args.steps, args.warmup, args.cuda, compiled)
                every_step[name] += steps
                torch_s[name].append(statistics.median(steps))
            dpcast_s.append(run_dpcast(args.train, path, cfg["ranks"], args.steps, args.warmup, args.dpcast_args,
                                       args.cuda))
        d = statistics.median(dpcast_s)
        cells = " ".join(f"{statistics.median(torch_s[n]) * 1e3:>10.2f} ms {d / statistics.median(torch_s[n]):>6.3f}"
                         for n, _ in variants)
        runs = "; ".join(f"{n} {' '.join(f'{x * 1e3:.1f}' for x in torch_s[n])}" for n, _ in variants)
        print(f"{os.path.relpath(path, ROOT):34} {cfg['ranks']:>5} {cells} {d * 1e3:>10.2f} ms"
              f"   (runs: {runs}; dpcast {' '.join(f'{x * 1e3:.1f}' for x in dpcast_s)})")
        if args.records:
            os.makedirs(args.records, exist_ok=True)
            base = os.path.splitext(os.path.basename(path))[0]
            for name, compiled in variants:
                engine = "pytorch-compile" if compiled else "pytorch"
                write_record(args.dpcast, path, every_step[name], engine, os.path.join(args.records, f"{base}-{engine}.json"))


if __name__ == "__main__":
    main()
