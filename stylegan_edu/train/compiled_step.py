"""Training steps through torch.compile (TrainConfig.compile, `stylegan-edu train --compile`).

Why: on a CPU much of a small model's step is small operations (noise, AdaIN, bias, leaky ReLU, blur) between
the convolutions; Inductor fuses them. Measured on the 2-core CPU, toy-64 at 64 px, batch 32, bf16 autocast,
lazy R1: 20.9 -> 22.9 img/s with one thread, 33.2 -> 42.7 with two; in fp32 1.03x (docs/benchmarks.md).

The same training as the eager step: the compiled G draws its noise images from torch's generator
(`fallback_random`, as stylegan_edu/compiled.py), and style mixing is drawn here with the same calls in the same
order as Generator.forward makes them, so a compiled step uses the same random numbers as an eager one and
differs from it only by rounding (tests/test_train_compiled.py). A run may switch between the two on resuming.

What stays eager, and why:
- fade-ins: alpha changes every step and each value would be a new graph;
- R1's pass over the reals: its gradient is differentiated again (create_graph), which compiled graphs do not
  support, so that one D call runs the same module eagerly;
- the style-mixing coin flip and crossover layer: a Python branch on a random number would split G's graph,
  and an int crossover would compile one graph per layer; they enter G as a mixing latent and a 0-dim tensor
  (num_layers and zeros = no mixing).
A new phase (resolution, minibatch) drops the old graphs (torch._dynamo.reset), so one phase's graphs never
crowd dynamo's recompile limit.
"""

from __future__ import annotations

import torch

from stylegan_edu.compiled import cache_dir, prepare


class CompiledNets:
    """torch.compile'd G and D for the current phase of one Trainer."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.key = None
        self.G = self.D = None
        prepare(trainer.device)

    def for_phase(self, ph, batch: int):
        """(G, D) compiled for this phase; a new phase starts from fresh graphs."""
        key = (ph.resolution, batch)
        if key != self.key:
            torch._dynamo.reset()
            self.key = key
            if self.trainer.dist.is_main:
                print(f"torch.compile: G and D for {ph.resolution} px, minibatch {batch} compile in the next steps "
                      f"(a minute or more on a CPU; kernels kept in {cache_dir()})", flush=True)
            options = {"fallback_random": True}
            self.G = torch.compile(self.trainer.G, options=options)
            self.D = torch.compile(self.trainer.D, options=options)
        return self.G, self.D

    def mixing(self, ph, batch: int):
        """mixing(i) for Trainer._step_body: Generator.forward's draws (coin, mixing latent, crossover), made
        here."""
        tr = self.trainer
        shape, prob = (batch, tr.mcfg.latent_size), tr.cfg.style_mixing_prob

        def draw(i):
            if prob > 0 and torch.rand(()) < prob:
                z_mix = torch.randn(shape, device=tr.device)
                crossover = tr.G.random_crossover(ph.resolution)
            else:
                z_mix, crossover = torch.zeros(shape, device=tr.device), tr.G.num_layers
            return {"z_mix": z_mix, "crossover": torch.tensor(crossover, device=tr.device)}

        return draw
