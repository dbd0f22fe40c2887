"""Data parallel training with torch.distributed, started by `torchrun`.

Each rank runs the same models on its share of the global minibatch; after every backward pass the
gradients are averaged across ranks with one all-reduce, so the ranks stay identical step for step.
We average gradients by hand instead of wrapping the models in DistributedDataParallel because R1 and
WGAN-GP need the gradient of D with respect to its input with create_graph=True (double backward), which
DDP's reducer does not support. NCCL on GPUs, gloo on CPU.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def init_from_env(device_type: str) -> DistInfo:
    """Join the process group when launched by torchrun (WORLD_SIZE > 1); otherwise a single process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device_type == "cuda" else "gloo")
    return DistInfo(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


@torch.no_grad()
def broadcast_module(module: nn.Module, src: int = 0) -> None:
    """Make every rank start from rank `src`'s parameters and buffers."""
    for t in list(module.parameters()) + list(module.buffers()):
        dist.broadcast(t.data, src)


def average_gradients(module: nn.Module, world_size: int) -> None:
    """All-reduce every parameter's gradient as one flat buffer and divide by the number of ranks."""
    # Parameters a pass did not reach (e.g. the ToRGB of an inactive resolution) keep grad None, and the
    # code path, hence that pattern, is the same on every rank.
    params = [p for p in module.parameters() if p.grad is not None]
    if not params:
        return
    flat = torch.cat([p.grad.reshape(-1) for p in params])
    dist.all_reduce(flat)
    flat /= world_size
    offset = 0
    for p in params:
        n = p.numel()
        p.grad.copy_(flat[offset:offset + n].view_as(p))
        offset += n


def all_mean(value: float, info: DistInfo, device) -> float:
    """The mean of a scalar over ranks (for logging)."""
    if not info.enabled:
        return value
    t = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.item() / info.world_size


def leave(info: DistInfo, timeout: float = 60.0) -> None:
    """Leave the process group together. A gloo rank aborts when a peer closes its sockets while it is still
    inside a collective, so the ranks first meet in the barrier, then count themselves out through the
    rendezvous store (no gloo traffic), and only then tear the group down."""
    if not info.enabled or not dist.is_initialized():
        return
    dist.barrier()
    try:
        store = dist.distributed_c10d._get_default_store()
        arrived = store.add("stylegan_edu/leaving", 1)
        deadline = time.monotonic() + timeout
        while arrived < info.world_size and time.monotonic() < deadline:
            time.sleep(0.01)
            arrived = store.add("stylegan_edu/leaving", 0)
    except Exception:  # noqa: BLE001 - the store's host already left, so every rank is past the barrier
        pass
    dist.destroy_process_group()
