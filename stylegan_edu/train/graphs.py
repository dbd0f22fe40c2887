"""Whole-step CUDA graphs: a training step (D step, G step, EMA) captured once per phase and replayed.

Why: at 1024 px with minibatch 8 an eager step is bound by the host issuing thousands of small kernels (H200
profile in docs/benchmarks.md: the GPU busy 292 ms of a 568 ms step). A replayed graph issues them all in one
call. `Trainer._step_body` stays the one readable step; this is the `cuda_graphs` switch around it.

A graph fixes, at capture, the shapes, the phase (resolution, alpha, lr, minibatch), whether R1 runs, and every
Python-side decision. So:
- only stable phases (alpha = 1) are captured; fade-ins run eagerly;
- style mixing's random choices (mix or not, and the crossover layer) are drawn on the CPU per step, from the
  same generator as the eager step, and enter the graph as a device tensor (num_layers = no mixing); the mixing
  latent is drawn every step;
- the reals are copied into a static buffer before each replay; z and the noise images are drawn inside the
  graph from the CUDA generator, reseeded with the step's seed before each replay, so a resumed run replays the
  same numbers;
- Adam runs with capturable=True (its step count on the GPU).
PyTorch needs a few eager runs on a side stream before a capture; they use the current step's inputs and their
updates are undone, so every counted step is a replay and resuming stays exact.
Not with fp16 (the loss scaler reads the GPU between steps) or several processes (gradients are all-reduced
outside the graph): TrainConfig and Trainer refuse those.
"""

from __future__ import annotations

import contextlib

import torch

WARMUP_RUNS = 3  # eager runs before a capture (PyTorch's CUDA graph notes ask for a few on a side stream)


class StepGraphs:
    """One Trainer's captured steps, by phase and by whether R1 runs.

    capture=False runs the same static-buffer step eagerly, warm-up and undo included: everything but the
    capture itself, which is how the CPU tests check this file.
    """

    def __init__(self, trainer, capture: bool = True):
        self.trainer = trainer
        self.capture = capture
        self.steps: dict[tuple, _StepGraph] = {}

    def run(self, ph, do_r1: bool, reals: torch.Tensor, seed: int) -> dict[str, torch.Tensor]:
        tr = self.trainer
        phase_key = (ph.resolution, reals.shape[0], ph.lr, tr.opt_generation)
        step = self.steps.get((*phase_key, do_r1))
        if step is None:
            # a new phase or new optimisers: graphs of the old ones cannot run again; free their memory
            self.steps = {k: v for k, v in self.steps.items() if k[:-1] == phase_key}
            step = self.steps[(*phase_key, do_r1)] = _StepGraph(tr, ph, do_r1, reals, self.capture)
        return step.run(reals, seed)


class _StepGraph:
    def __init__(self, trainer, ph, do_r1: bool, reals: torch.Tensor, capture: bool):
        self.tr, self.ph, self.do_r1, self.capture = trainer, ph, do_r1, capture
        self.reals = torch.empty_like(reals)  # static input (keeps the reals' memory format)
        self.crossover = torch.zeros(2, dtype=torch.long, device=reals.device)  # D step's fakes, G step's
        self.graph = None
        self.out: dict[str, torch.Tensor] | None = None

    def body(self) -> dict[str, torch.Tensor]:
        tr, local = self.tr, self.reals.shape[0]

        def mixing(i):
            return {"z_mix": torch.randn(local, tr.mcfg.latent_size, device=tr.device),
                    "crossover": self.crossover[i]}

        return tr._step_body(self.reals, self.ph, self.do_r1, mixing)

    def fill(self, reals: torch.Tensor) -> None:
        """This step's inputs into the static buffers; the mixing draws as Generator.forward makes them."""
        tr, p = self.tr, self.tr.cfg.style_mixing_prob
        cut = [tr.G.random_crossover(self.ph.resolution) if p > 0 and torch.rand(()) < p else tr.G.num_layers
               for _ in range(2)]
        self.crossover.copy_(torch.tensor(cut))
        self.reals.copy_(reals)

    def run(self, reals: torch.Tensor, seed: int) -> dict[str, torch.Tensor]:
        self.fill(reals)
        if not self.capture:
            return self.body()
        if self.graph is None:
            self.warm_up_and_undo()
            self.graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self.graph):  # records the kernels; runs nothing
                self.out = self.body()
        torch.cuda.manual_seed(seed)  # a replay draws from (seed, offset 0), as an eager step after manual_seed
        self.graph.replay()
        return self.out

    def warm_up_and_undo(self) -> None:
        """WARMUP_RUNS eager runs (on a side stream on CUDA), then every weight, buffer and Adam state back."""
        tr = self.tr
        modules = (tr.G, tr.D, tr.G_ema)
        saved = [(t, t.detach().clone()) for m in modules for t in (*m.parameters(), *m.buffers())]
        fresh = []  # Adam states the warm-up creates: zeroed afterwards, which is what a fresh state holds
        for opt in (tr.G_opt, tr.D_opt):
            for group in opt.param_groups:
                for p in group["params"]:
                    if p in opt.state and opt.state[p]:
                        saved += [(v, v.detach().clone()) for v in opt.state[p].values() if torch.is_tensor(v)]
                    else:
                        fresh.append((opt, p))
        cuda = self.reals.device.type == "cuda"
        stream = torch.cuda.Stream() if cuda else None
        if cuda:
            stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream) if cuda else contextlib.nullcontext():
            for _ in range(WARMUP_RUNS):
                self.body()
        if cuda:
            torch.cuda.current_stream().wait_stream(stream)
        with torch.no_grad():
            for t, copy in saved:
                t.copy_(copy)
            for opt, p in fresh:
                for v in opt.state.get(p, {}).values():
                    if torch.is_tensor(v):
                        v.zero_()

