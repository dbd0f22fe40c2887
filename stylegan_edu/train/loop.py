"""The progressive training loop (the official training_loop.py, in PyTorch).

Per minibatch: one D step (logistic + R1 by default) and one G step (non-saturating logistic), both at the
resolution and fade-in alpha of the schedule, with style mixing and w_avg tracking in G and mirror
augmentation and fade-in on the reals; then the EMA generator moves towards G.

Every step's randomness (data indices, mirroring, z, noise, mixing) comes from generators seeded by
(seed, rank, step), so a run resumed from a snapshot repeats an uninterrupted run exactly on the CPU.
"""

from __future__ import annotations

import copy
import json
import math
import signal
import threading
import time
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from stylegan_edu.checks import check_number
from stylegan_edu.configs import ModelConfig, get_config
from stylegan_edu.cpu_memory import keep_freed_memory
from stylegan_edu.data.fade import fade_in_reals
from stylegan_edu.discriminator import Discriminator
from stylegan_edu.generator import Generator, z_from_seeds
from stylegan_edu.precision import describe, resolve_amp
from stylegan_edu.train import losses
from stylegan_edu.train.checkpoint import load_snapshot, save_snapshot
from stylegan_edu.train.config import TrainConfig
from stylegan_edu.train.distributed import DistInfo, all_mean, average_gradients, broadcast_module
from stylegan_edu.train.ema import ema_beta, update_ema
from stylegan_edu.train.graphs import StepGraphs
from stylegan_edu.train.schedule import Phase, phase_at
from stylegan_edu.viz import image_grid

AMP_DTYPES = {"none": None, "bf16": torch.bfloat16, "fp16": torch.float16}
_announced: set[str] = set()  # precision lines already printed by this process


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the run stops and keeps its last good snapshot."""


def _step_seed(seed: int, rank: int, step: int) -> int:
    return int(np.random.SeedSequence([seed, rank, step]).generate_state(1, dtype=np.uint64)[0] >> 1)


def dataset_identity(dataset) -> dict:
    """What a snapshot records of its data, so a resume can refuse other data: kind, size, and for ToyFaces
    whether the faces carry stochastic detail (the same seeds render either way)."""
    ident = {"kind": getattr(dataset, "kind", "unknown"), "size": len(dataset)}
    manifest = getattr(dataset, "manifest", None) or {}
    if "detail" in manifest:
        ident["detail"] = bool(manifest["detail"])
    return ident


class Trainer:
    """Holds G, D, G_ema, the optimisers and the position in the schedule; `train()` runs the loop."""

    def __init__(self, cfg: TrainConfig, dataset, out_dir: Path | str | None = None,
                 model_cfg: ModelConfig | None = None, device: str | torch.device | None = None,
                 dist_info: DistInfo | None = None, progress: bool = True):
        self.cfg = cfg
        self.mcfg = model_cfg or get_config(cfg.model)
        self.dataset = dataset
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.dist = dist_info or DistInfo()
        self.progress = progress
        self._check_setup()
        keep_freed_memory(self.device)  # on the CPU freed activations stay mapped: no page faults next step
        # cfg.amp may be "auto"; the choice is made here, per machine, and cfg keeps "auto" for a resumed run
        self.amp, self.amp_reason = resolve_amp(cfg.amp, self.device)
        line = describe(self.amp, cfg.amp, self.amp_reason)
        if self.dist.is_main and line not in _announced:
            _announced.add(line)
            print(line, flush=True)

        torch.manual_seed(cfg.seed)  # identical initial weights on every rank (then broadcast to be sure)
        self.G = Generator(self.mcfg).to(self.device)
        self.D = Discriminator(self.mcfg).to(self.device)
        if cfg.channels_last:
            self.G = self.G.to(memory_format=torch.channels_last)
            self.D = self.D.to(memory_format=torch.channels_last)
        if self.dist.enabled:
            broadcast_module(self.G)
            broadcast_module(self.D)
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        self.G_opt = self.D_opt = None
        self.opt_generation = 0  # counts optimiser (re)creations: a captured step belongs to one pair
        # fp16 needs loss scaling (its gradients underflow); for bf16 / fp32 the scaler is a no-op
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.amp == "fp16")
        self._graphs = StepGraphs(self) if cfg.cuda_graphs else None
        self._compiled = None
        if cfg.compile:  # imported here: torch's compiler takes 1.6 s to import, which plain training need not pay
            from stylegan_edu.train.compiled_step import CompiledNets

            self._compiled = CompiledNets(self)
        self.nimg = 0
        self.step_count = 0
        self.opt_key: tuple[int, int] | None = None
        self.last_snapshot: Path | None = None
        self._stop_requested = False
        self._tb = None

    # --- set-up checks --------------------------------------------------------------------------------
    def _check_setup(self) -> None:
        cfg, final = self.cfg, self.mcfg.resolution
        start = cfg.start_resolution
        if start < 4 or start > final or start & (start - 1):
            raise ValueError(f"start_resolution must be a power of two in [4, {final}], got {start}")
        have = set(getattr(self.dataset, "resolutions", []))
        need = {final >> i for i in range(int(math.log2(final // start)) + 1)}
        if not need <= have:
            raise ValueError(f"the dataset has resolutions {sorted(have)} but training {self.mcfg.name} from "
                             f"{start} px needs {sorted(need)}")
        for res in sorted(need):
            batch = cfg.batch_at(res)
            if batch % self.dist.world_size:
                raise ValueError(f"minibatch {batch} at {res} px is not divisible by {self.dist.world_size} ranks")
            local = batch // self.dist.world_size
            group = min(self.mcfg.mbstd_group_size, local)
            if group > 1 and local % group:
                raise ValueError(f"per-rank minibatch {local} at {res} px is not divisible by the minibatch "
                                 f"stddev group size {group}")

        if cfg.cuda_graphs and self.device.type != "cuda":
            raise ValueError(f"cuda_graphs needs a CUDA device, got {self.device} (the CLI: --no-cuda-graphs)")
        if cfg.cuda_graphs and self.dist.enabled:
            raise ValueError("cuda_graphs runs in one process (gradients are all-reduced outside the graph); "
                             "train without it under torchrun")

    # --- pieces of a step -----------------------------------------------------------------------------
    def phase(self) -> Phase:
        return phase_at(self.cfg, self.mcfg.resolution, self.nimg)

    def _make_optimizers(self) -> None:
        kw = dict(lr=self.cfg.lr_base, betas=self.cfg.adam_betas, eps=self.cfg.adam_eps)
        if self.cfg.cuda_graphs:
            kw["capturable"] = True  # Adam's step count lives on the GPU, so a replayed graph advances it
        self.opt_generation += 1
        self.G_opt = torch.optim.Adam(self.G.parameters(), **kw)
        self.D_opt = torch.optim.Adam(self.D.parameters(), **kw)

    def _autocast(self):
        dtype = AMP_DTYPES[self.amp]
        # no cast-weight cache under CUDA graphs: the cache would hold tensors from the capture (PyTorch's notes)
        return torch.autocast(self.device.type, dtype=dtype or torch.float32, enabled=dtype is not None,
                              cache_enabled=not self.cfg.cuda_graphs)

    def _finish_backward(self, module, opt) -> None:
        if self.dist.enabled:
            average_gradients(module, self.dist.world_size)  # first: every rank then sees the same inf / nan
        self.scaler.step(opt)  # opt.step(), skipped in fp16 when the scaled gradients overflowed

    def step(self) -> dict:
        """One minibatch: D step, G step, EMA. Returns the losses (averaged over ranks)."""
        cfg, ph = self.cfg, self.phase()
        if self.G_opt is None or (cfg.reset_optimizer and ph.optimizer_key != self.opt_key):
            self._make_optimizers()  # new Adam state for new layers, as the official reset_opt_for_new_lod
        self.opt_key = ph.optimizer_key
        for opt in (self.G_opt, self.D_opt):
            for group in opt.param_groups:
                group["lr"] = ph.lr

        seed = _step_seed(cfg.seed, self.dist.rank, self.step_count)
        torch.manual_seed(seed)  # noise images and mixing draws inside G
        gen = torch.Generator().manual_seed(seed)  # data indices and mirroring
        local = ph.batch // self.dist.world_size
        reals, _ = self.dataset.batch(local, ph.resolution, mirror=cfg.mirror, generator=gen, device=self.device)
        reals = fade_in_reals(reals, ph.alpha)
        if cfg.channels_last:
            reals = reals.contiguous(memory_format=torch.channels_last)
        do_r1 = cfg.loss == "logistic_r1" and cfg.r1_gamma > 0 and self.step_count % cfg.r1_interval == 0
        if self._graphs is not None and ph.alpha == 1.0:  # fade-ins change alpha every step: eager
            stats = self._graphs.run(ph, do_r1, reals, seed)
        elif self._compiled is not None and ph.alpha == 1.0:
            stats = self._step_body(reals, ph, do_r1, self._compiled.mixing(ph, local),
                                    nets=self._compiled.for_phase(ph, local))
        else:
            stats = self._step_body(reals, ph, do_r1, lambda i: {"style_mixing_prob": cfg.style_mixing_prob})
        self.scaler.update()
        self.nimg += ph.batch
        self.step_count += 1

        stats = dict(zip(stats, torch.stack(list(stats.values())).tolist()))  # one host sync per step
        bad = {k: v for k, v in stats.items() if not math.isfinite(v)}
        if bad:
            where = f"; the last good snapshot is {self.last_snapshot}" if self.last_snapshot else ""
            raise TrainingDiverged(f"{', '.join(f'{k} = {v}' for k, v in bad.items())} at kimg "
                                   f"{self.nimg / 1000:.3f} ({ph.resolution} px, alpha {ph.alpha:.3f}){where}")
        stats = {k: all_mean(v, self.dist, self.device) for k, v in stats.items()}
        stats.update(kimg=self.nimg / 1000, resolution=ph.resolution, alpha=ph.alpha, batch=ph.batch, lr=ph.lr)
        return stats

    def _step_body(self, reals: torch.Tensor, ph: Phase, do_r1: bool, mixing,
                   nets=None) -> dict[str, torch.Tensor]:
        """D step, G step and EMA on these reals; the losses come back as tensors, unread, so that a CUDA graph
        can capture this (stylegan_edu/train/graphs.py). mixing(i): G's style-mixing keyword arguments for the
        D step's fakes (i = 0) and the G step's (i = 1). nets: (G, D) to call, e.g. compiled ones
        (stylegan_edu/train/compiled_step.py); R1's pass always calls self.D, whose gradient is differentiated."""
        cfg, local, latent = self.cfg, reals.shape[0], self.mcfg.latent_size
        G, D = nets or (self.G, self.D)
        gkw = dict(resolution=ph.resolution, alpha=ph.alpha, update_w_avg=True)

        # D step
        self.D.requires_grad_(True)
        with torch.no_grad(), self._autocast():
            fakes = G(torch.randn(local, latent, device=self.device), **gkw, **mixing(0))
        with self._autocast():
            fake_scores = D(fakes, alpha=ph.alpha)
        stats = {}
        if cfg.loss == "logistic_r1":
            if do_r1:  # fp32 pass: the R1 gradient is taken through it
                reals_in = reals.detach().requires_grad_(True)
                real_scores = self.D(reals_in, alpha=ph.alpha)
            else:
                with self._autocast():
                    real_scores = D(reals, alpha=ph.alpha)
            d_loss = losses.d_logistic(real_scores, fake_scores)
            if do_r1:
                r1 = losses.r1_penalty(real_scores, reals_in, self.mcfg.resolution)
                d_loss = d_loss + r1 * (cfg.r1_gamma * 0.5 * cfg.r1_interval)
                stats["r1"] = r1.detach()
        else:
            with self._autocast():
                real_scores = self.D(reals, alpha=ph.alpha)
            d_loss = losses.d_wgan(real_scores, fake_scores, cfg.wgan_epsilon)
            gp = losses.gradient_penalty(self.D, reals, fakes, ph.alpha, cfg.wgan_target,
                                         final_resolution=self.mcfg.resolution)
            d_loss = d_loss + gp * cfg.wgan_lambda
            stats["gp"] = gp.detach()
        self.D_opt.zero_grad(set_to_none=True)
        self.scaler.scale(d_loss).backward()
        self._finish_backward(self.D, self.D_opt)

        # G step (D frozen so its weights get no gradient)
        self.D.requires_grad_(False)
        with self._autocast():
            fake_scores = D(G(torch.randn(local, latent, device=self.device), **gkw, **mixing(1)), alpha=ph.alpha)
        g_loss = (losses.g_logistic_nonsaturating(fake_scores) if cfg.loss == "logistic_r1"
                  else losses.g_wgan(fake_scores))
        self.G_opt.zero_grad(set_to_none=True)
        self.scaler.scale(g_loss).backward()
        self._finish_backward(self.G, self.G_opt)
        self.D.requires_grad_(True)

        if self.dist.enabled:  # each rank tracked w_avg on its own batch; the average is the global update
            torch.distributed.all_reduce(self.G.w_avg)
            self.G.w_avg /= self.dist.world_size
        update_ema(self.G_ema, self.G, ema_beta(ph.batch, cfg.ema_half_life_kimg))
        stats.update(loss_D=d_loss.detach(), loss_G=g_loss.detach())
        return stats

    # --- snapshots ------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        rng = {"torch": torch.get_rng_state()}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        return {
            "model_config": self.mcfg.to_dict(),
            "train_config": self.cfg.to_dict(),
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "G_ema": self.G_ema.state_dict(),
            "G_opt": self.G_opt.state_dict() if self.G_opt else None,
            "D_opt": self.D_opt.state_dict() if self.D_opt else None,
            "progress": {"nimg": self.nimg, "step": self.step_count,
                         "opt_key": list(self.opt_key) if self.opt_key else None},
            "rng": rng,
            "scaler": self.scaler.state_dict(),  # fp16's loss scale ({} otherwise)
            "dataset": dataset_identity(self.dataset),
        }

    def load_state_dict(self, state: dict) -> None:
        if ModelConfig.from_dict(state["model_config"]) != self.mcfg:
            raise ValueError("the snapshot was trained with another model config "
                             f"({state['model_config'].get('name')} vs {self.mcfg.name})")
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.G_ema.load_state_dict(state["G_ema"])
        if state["G_opt"] is not None:
            self._make_optimizers()
            for opt, saved in ((self.G_opt, state["G_opt"]), (self.D_opt, state["D_opt"])):
                # capturable is this run's choice (cuda_graphs), not the snapshot's: loading would restore it
                groups = [{**g, "capturable": self.cfg.cuda_graphs} for g in saved["param_groups"]]
                opt.load_state_dict({**saved, "param_groups": groups})
        if state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        prog = state["progress"]
        self.nimg, self.step_count = int(prog["nimg"]), int(prog["step"])
        self.opt_key = tuple(prog["opt_key"]) if prog["opt_key"] else None
        # RNG states are CPU byte tensors, whatever map_location moved the snapshot's tensors to
        torch.set_rng_state(state["rng"]["torch"].cpu())
        if "cuda" in state["rng"] and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["rng"]["cuda"].cpu(), self.device)

    def resume(self, path: Path | str) -> None:
        self.load_state_dict(load_snapshot(path, map_location=self.device))
        self.last_snapshot = Path(path)

    def snapshot(self) -> Path | None:
        """Write a snapshot and a sample grid (main rank only)."""
        if not self.dist.is_main or self.out_dir is None:
            return None
        self.last_snapshot = save_snapshot(self.state_dict(), self.out_dir, self.nimg, self.cfg.keep_snapshots)
        self.sample_grid().save(self.out_dir / f"samples-{self.nimg:09d}.png")
        return self.last_snapshot

    @torch.no_grad()
    def sample_grid(self):
        ph = self.phase()
        z = z_from_seeds(self.cfg.sample_seeds, self.mcfg.latent_size, self.device)
        imgs = self.G_ema(z, resolution=ph.resolution, alpha=ph.alpha, noise_mode="const")
        return image_grid(imgs, upscale_to=self.mcfg.resolution)

    # --- the loop -------------------------------------------------------------------------------------
    def _log(self, record: dict) -> None:
        if not self.dist.is_main or self.out_dir is None:
            return
        with open(self.out_dir / "log.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")
        if self._tb is not None:  # numbers only: event records carry strings
            for k, v in record.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool) and k != "kimg":
                    self._tb.add_scalar(k, v, int(record["kimg"] * 1000))

    def _stop_reason(self, time_up: bool = False) -> str | None:
        """Why to stop: "interrupted" (a signal), "time_limit" or None; one collective keeps the ranks in step."""
        flags = [float(self._stop_requested), float(time_up)]
        if self.dist.enabled:
            t = torch.tensor(flags, device=self.device)
            torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
            flags = t.tolist()
        return "interrupted" if flags[0] else "time_limit" if flags[1] else None

    def train(self, total_kimg: float | None = None, log_every: int = 10, max_seconds: float | None = None) -> str:
        """Train until `total_kimg` (default: the config's). Returns "done", "interrupted" or "time_limit".

        Ctrl-C (SIGINT) or SIGTERM finishes the current step, writes a snapshot and returns "interrupted";
        a second Ctrl-C aborts at once. `max_seconds`: stop (with a snapshot) after this much wall time, e.g.
        for a lesson's few-minute run. Snapshots every `snapshot_kimg` and at the end.
        total_kimg, max_seconds: finite numbers > 0 (or None); log_every: an integer >= 1 (ValueError otherwise).
        """
        if total_kimg is not None:
            total_kimg = check_number("total_kimg", total_kimg, 0, lo_open=True)
        if max_seconds is not None:
            max_seconds = check_number("max_seconds", max_seconds, 0, lo_open=True)
        log_every = check_number("log_every", log_every, 1, integer=True)
        t_start = time.perf_counter()
        total = int(round((self.cfg.total_kimg if total_kimg is None else total_kimg) * 1000))
        snap_every = max(int(self.cfg.snapshot_kimg * 1000), 1)
        next_snap = (self.nimg // snap_every + 1) * snap_every
        if self.out_dir is not None and self.dist.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self._tb = _tensorboard(self.out_dir)
        restore = self._install_signal_handlers()
        bar = tqdm(total=total, initial=min(self.nimg, total), unit="img", unit_scale=True, dynamic_ncols=True,
                   disable=not (self.progress and self.dist.is_main))
        acc, t_last, n_last, status = {}, time.perf_counter(), self.nimg, "done"
        try:
            # after the signal handlers: a Ctrl-C sent as soon as log.jsonl appears still stops cleanly
            self._log({"kimg": round(self.nimg / 1000, 3), "event": "precision", "amp": self.amp,
                       "requested": self.cfg.amp, "reason": self.amp_reason})
            while self.nimg < total:
                stats = self.step()
                bar.update(stats["batch"])
                for k in ("loss_D", "loss_G", "r1", "gp"):
                    if k in stats:
                        acc.setdefault(k, []).append(stats[k])
                if self.step_count % log_every == 0 or self.nimg >= total:
                    now = time.perf_counter()
                    speed = (self.nimg - n_last) / max(now - t_last, 1e-9)
                    rec = {"kimg": round(stats["kimg"], 3), "resolution": stats["resolution"],
                           "alpha": round(stats["alpha"], 4), "batch": stats["batch"], "lr": stats["lr"],
                           **{k: float(np.mean(v)) for k, v in acc.items()}, "img_per_s": round(speed, 2)}
                    self._log(rec)
                    bar.set_postfix(res=rec["resolution"], alpha=f"{rec['alpha']:.2f}",
                                    kimg=f"{rec['kimg']:.1f}", D=f"{rec['loss_D']:.3f}",
                                    G=f"{rec['loss_G']:.3f}", ips=f"{speed:.0f}")
                    acc, t_last, n_last = {}, now, self.nimg
                if self.nimg >= next_snap:
                    self.snapshot()
                    next_snap += snap_every
                reason = self._stop_reason(max_seconds is not None and time.perf_counter() - t_start > max_seconds)
                if reason:
                    status = reason
                    break
            if self.last_snapshot is None or not self.last_snapshot.name.endswith(f"{self.nimg:09d}.pt"):
                self.snapshot()
        finally:
            bar.close()
            restore()
            if self._tb is not None:
                self._tb.close()
        return status

    def _install_signal_handlers(self):
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def handler(signum, frame):
            if self._stop_requested:  # second Ctrl-C: stop now
                raise KeyboardInterrupt
            self._stop_requested = True

        old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
        return lambda: [signal.signal(s, h) for s, h in old.items()]


def _tensorboard(out_dir: Path):
    """A SummaryWriter when tensorboard is installed (optional), else None."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except Exception:  # tensorboard not installed
        return None
    return SummaryWriter(str(out_dir / "tensorboard"))

