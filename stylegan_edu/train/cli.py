"""`stylegan-edu train`: progressive training from the command line (single process or torchrun)."""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from stylegan_edu.precision import AMP_MODES
from stylegan_edu.cli_types import positive_float, positive_int, seed_int
from stylegan_edu.train.config import TRAIN_CONFIGS


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train a StyleGAN with progressive growing",
        description="Train G and D with the paper's schedule, losses and regularisers. Writes snapshots "
                    "(snapshot-*.pt), sample grids (samples-*.png) and log.jsonl into --out. Ctrl-C writes a "
                    "snapshot and stops; --resume auto continues. Several GPUs or nodes: "
                    "torchrun --nproc_per_node N -m stylegan_edu train ...")
    p.add_argument("--config", default=None, metavar="NAME",
                   help=f"training preset ({', '.join(TRAIN_CONFIGS)}; default toy-64); it names the model too. A "
                        "resumed run keeps its own")
    p.add_argument("--data", default="toyfaces", metavar="DATA",
                   help="'toyfaces' (built into the cache on first use), 'toyfaces-detail' (the same faces with "
                        "stochastic detail for the noise inputs to model) or a dataset folder made by "
                        "`stylegan-edu data prepare`")
    p.add_argument("--toyfaces-n", type=positive_int(), default=None, metavar="N",
                   help="ToyFaces images (default 30000, or as many as the resumed run trained on)")
    p.add_argument("--out", required=True, metavar="DIR", help="run folder")
    p.add_argument("--kimg", type=positive_float(), default=None,
                   help="train until this many thousand real images (> 0)")
    p.add_argument("--minutes", type=positive_float(), default=None,
                   help="stop after this many (> 0) minutes of training, with a snapshot (continue with --resume auto)")
    p.add_argument("--resume", default=None, metavar="auto|PATH",
                   help="'auto': continue from the newest snapshot in --out (a new run if none); or a file")
    p.add_argument("--init-from", default=None, metavar="NAME|PATH",
                   help="start a new run from a trained generator (a shipped name, an exported file or a snapshot): "
                        "G and G_ema take its weights, D starts fresh, and the run trains at the generator's "
                        "resolution from the start (no growing); the --config must be the one of its model")
    p.add_argument("--d-warmup-kimg", type=positive_float(), default=None, metavar="KIMG",
                   help="with --init-from: first train the fresh D alone against the frozen generator on this many "
                        "thousand real images, then snapshot (so its first gradients for G mean something)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1, mps (default: cuda when available)")
    p.add_argument("--amp", choices=AMP_MODES, default=None,
                   help="autocast dtype (default: the preset's; auto: chosen by the hardware, bf16 only on CPUs "
                        "with native bf16; STYLEGAN_EDU_BF16=0 keeps auto off bf16)")
    p.add_argument("--channels-last", dest="channels_last", action="store_true", default=None)
    p.add_argument("--no-channels-last", dest="channels_last", action="store_false")
    p.add_argument("--cuda-graphs", dest="cuda_graphs", action="store_true", default=None,
                   help="CUDA only: replay each stable phase's step as a captured CUDA graph (one process, not fp16)")
    p.add_argument("--no-cuda-graphs", dest="cuda_graphs", action="store_false",
                   help="eager steps (e.g. to resume on a CPU a run that used --cuda-graphs)")
    p.add_argument("--compile", dest="compile", action="store_true", default=None,
                   help="run the stable phases' G and D through torch.compile (fade-ins and R1's pass stay "
                        "eager): faster steps after a first one that compiles (a minute or more per phase)")
    p.add_argument("--no-compile", dest="compile", action="store_false", help="eager steps")
    p.add_argument("--snapshot-kimg", type=positive_float(), default=None,
                   help="snapshot interval, > 0 (default: the preset's)")
    p.add_argument("--keep", type=positive_int(), default=None, help="snapshots to keep, >= 1 (default: the preset's)")
    p.add_argument("--seed", type=seed_int(), default=None, help="in [0, 2**32-1] (default: the preset's)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                   help="change one setting of the preset for a new run (repeatable; VALUE in JSON), e.g. "
                        "--set lr_base=0.001 --set 'minibatch={\"64\": 32}'; model.KEY=VALUE changes the network "
                        "(a field of stylegan_edu.configs.ModelConfig), e.g. --set model.mapping_layers=2 "
                        "--set model.use_noise=false; a resumed run keeps its own")
    p.add_argument("--threads", type=positive_int(), default=None, help="CPU threads for torch (>= 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


DEFAULT_CONFIG, DEFAULT_TOYFACES_N = "toy-64", 30000


def _open_data(args, resolution: int, dist_info, toyfaces_n: int):
    from stylegan_edu.errors import UsageError
    from stylegan_edu.data import DataError, load_toyfaces, open_dataset
    from stylegan_edu.data.generate import DATA_NAMES

    try:
        if args.data in DATA_NAMES:
            if dist_info.enabled and not dist_info.is_main:  # let rank 0 build the cache first
                torch.distributed.barrier()
            ds = load_toyfaces(n=toyfaces_n, resolution=resolution,
                               progress=dist_info.is_main and not args.no_progress, detail=DATA_NAMES[args.data])
            if dist_info.enabled and dist_info.is_main:
                torch.distributed.barrier()
            return ds
        return open_dataset(args.data)
    except DataError as e:
        raise UsageError(str(e)) from None


def run(args) -> int:
    from stylegan_edu.errors import UsageError
    from stylegan_edu.configs import ModelConfig, get_config
    from stylegan_edu.overrides import setting_key
    from stylegan_edu.train.checkpoint import (CheckpointError, latest_snapshot, list_snapshots, load_snapshot,
                                               remove_partial_snapshots)
    from stylegan_edu.train.config import TrainConfig, get_train_config
    from stylegan_edu.train.distributed import init_from_env, leave
    from stylegan_edu.train.loop import Trainer, TrainingDiverged, dataset_identity

    from stylegan_edu.cli_ckpt import device_from_arg

    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; name a folder for the run")
    try:  # early, before the data is built: a folder that cannot be made fails here in one line
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"--out {out}: cannot create the run folder ({e.strerror or e})") from None
    device = device_from_arg(args.device)
    dist_info = init_from_env(device.type)
    if device.type == "cuda" and dist_info.enabled:
        device = torch.device("cuda", dist_info.local_rank)
        torch.cuda.set_device(device)

    if dist_info.is_main:
        for stale in remove_partial_snapshots(out):  # a snapshot cut short by a kill; the previous one stands
            _say(dist_info, f"removed the unfinished snapshot file {stale.name}")
    resume_path = None
    if args.resume == "auto":
        resume_path = latest_snapshot(out)
    elif args.resume:
        resume_path = Path(args.resume)
    elif list_snapshots(out):
        raise UsageError(f"{out} already holds snapshots; pass --resume auto to continue or choose another --out")
    if args.init_from and args.resume:
        raise UsageError("--init-from starts a new run; a resumed run keeps its own weights (leave out --resume)")
    if args.d_warmup_kimg and not args.init_from:
        raise UsageError("--d-warmup-kimg warms up a fresh D for a trained G: it needs --init-from")

    try:
        state = load_snapshot(resume_path) if resume_path else None
        model_items = [o.strip()[len("model."):] for o in args.overrides if o.strip().startswith("model.")]
        train_items = [o for o in args.overrides if not o.strip().startswith("model.")]
        for item in model_items:  # the model's copy only records the value; training reads the training setting
            key = setting_key(item)
            if key in TrainConfig.__dataclass_fields__:
                raise UsageError(f"--set model.{key}: training uses the training setting; write --set {key}=...")
        if state:
            cfg = TrainConfig.from_dict(state["train_config"])
            mcfg = ModelConfig.from_dict(state["model_config"])
        else:
            cfg = get_train_config(args.config or DEFAULT_CONFIG).with_overrides(train_items)
            mcfg = get_config(cfg.model).with_overrides(model_items) if model_items else None
        if state and args.config is not None and args.config != cfg.name:
            raise UsageError(f"--config {args.config}: the resumed run is {cfg.name} ({resume_path}) and keeps it; "
                             "leave --config out or choose another --out")
        if state and args.overrides:
            stored = cfg.with_overrides(train_items)
            if stored != cfg or mcfg.with_overrides(model_items).replace(name=mcfg.name) != mcfg:
                raise UsageError(f"--set cannot change a resumed run (it keeps the settings it started with: "
                                 f"{resume_path})")
        changes = {k: v for k, v in dict(amp=args.amp, channels_last=args.channels_last,
                                          cuda_graphs=args.cuda_graphs, compile=args.compile,
                                          snapshot_kimg=args.snapshot_kimg, keep_snapshots=args.keep,
                                          seed=None if state else args.seed).items() if v is not None}
        cfg = cfg.replace(**changes)
        init_G = None
        if args.init_from:
            init_G, cfg, mcfg = _initial_generator(args.init_from, cfg, mcfg)
    except CheckpointError as e:
        raise UsageError(str(e)) from None
    except ValueError as e:
        raise UsageError(str(e)) from None

    res = (mcfg or get_config(cfg.model)).resolution
    trained_on = (state or {}).get("dataset") or {}
    toyfaces_n = args.toyfaces_n or (trained_on.get("size") if trained_on.get("kind") == "toyfaces" else None) \
        or DEFAULT_TOYFACES_N
    dataset = _open_data(args, res, dist_info, toyfaces_n)
    now = dataset_identity(dataset)
    # older snapshots did not record `detail`: compare it only where both sides say
    shared = [k for k in ("kind", "size", "detail") if k in trained_on and k in now]
    if any(trained_on[k] != now[k] for k in shared):
        raise UsageError(f"the resumed run trained on {_data_words(trained_on)}, this --data is "
                         f"{_data_words(now)}: resume with the same data")
    try:
        trainer = Trainer(cfg, dataset, out, model_cfg=mcfg, device=device, dist_info=dist_info,
                          progress=not args.no_progress)
        if state:
            trainer.load_state_dict(state)
            trainer.last_snapshot = resume_path
            _say(dist_info, f"resuming from {resume_path} at kimg {trainer.nimg / 1000:.1f}")
        elif args.resume == "auto":
            _say(dist_info, f"no snapshot in {out}; starting a new run")
    except ValueError as e:
        raise UsageError(str(e)) from None
    if init_G is not None:
        _start_from(trainer, init_G, args, dist_info)

    try:
        status = trainer.train(args.kimg, max_seconds=None if args.minutes is None else 60 * args.minutes)
    except TrainingDiverged as e:
        sys.stderr.write(f"stylegan-edu train: training stopped: {e}\n")
        return 1
    leave(dist_info)  # together: gloo aborts a rank whose peer closes the connection first
    if status == "interrupted":
        _say(dist_info, f"interrupted at kimg {trainer.nimg / 1000:.1f}; snapshot {trainer.last_snapshot}; "
                        f"continue with --resume auto")
        return 130
    if status == "time_limit":
        _say(dist_info, f"stopped after {args.minutes:g} minutes at kimg {trainer.nimg / 1000:.1f}; snapshot "
                        f"{trainer.last_snapshot}; continue with --resume auto")
        return 0
    _say(dist_info, f"done at kimg {trainer.nimg / 1000:.1f}; snapshot {trainer.last_snapshot}")
    return 0


def _initial_generator(name: str, cfg, mcfg):
    """--init-from: the trained generator, the run's config set to train at its resolution, and its model config
    (which must be the run's)."""
    from stylegan_edu import pretrained
    from stylegan_edu.configs import get_config
    from stylegan_edu.errors import UsageError

    try:
        G = pretrained.load(name)
    except (ValueError, OSError) as e:
        raise UsageError(f"--init-from {name}: {e}") from None
    run_model = mcfg or get_config(cfg.model)
    if G.cfg.replace(name=run_model.name) != run_model:
        raise UsageError(f"--init-from {name}: the generator is a {G.cfg.name} model ({G.cfg.resolution} px) and this "
                         f"run trains {run_model.name}; choose the --config (and --set model.*) it was trained with")
    return G, cfg.replace(start_resolution=G.cfg.resolution), run_model


def _start_from(trainer, G, args, dist_info) -> None:
    """--init-from: copy the generator in, warm the fresh D up (--d-warmup-kimg), log where the run began, and
    snapshot, so that a resume continues after the warm-up."""
    from stylegan_edu.train.finetune import start_from, warm_up_discriminator

    start_from(trainer, G)
    steps = max(1, round(args.d_warmup_kimg * 1000 / trainer.phase().batch)) if args.d_warmup_kimg else 0
    trainer._log({"kimg": 0.0, "init_from": str(args.init_from), "d_warmup_steps": steps})
    every, d_losses = max(1, min(50, steps // 10)), []

    def on_step(k: int, loss: float) -> None:  # each stretch's mean D loss: 2 ln 2 = 1.386 is a D at chance
        d_losses.append(loss)
        if (k + 1) % every == 0 or k + 1 == steps:
            mean = sum(d_losses[-every:]) / len(d_losses[-every:])
            trainer._log({"kimg": 0.0, "d_warmup_step": k + 1, "loss_D": mean})
            _say(dist_info, f"D warm-up against {args.init_from}, step {k + 1}/{steps}: D loss {mean:.3f}")

    if steps:
        warm_up_discriminator(trainer, steps, seed=trainer.cfg.seed, on_step=on_step)
    trainer.snapshot()


def _data_words(ident: dict) -> str:
    detail = {True: " with stochastic detail", False: " without stochastic detail"}.get(ident.get("detail"), "")
    return f"{ident.get('kind')}{detail} ({ident.get('size')} images)"


def _say(dist_info, msg: str) -> None:
    if dist_info.is_main:
        print(msg, flush=True)
