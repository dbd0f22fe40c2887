"""Reference answers for the visible tests of the assignments, kept out of the notebooks so a test cell does not
show the solution in plain sight (`want = reference.truncated_faces(G, seeds, 0.6, 8)`). Each is written
with the library's own functions along a different path from the model solution where one exists."""

from __future__ import annotations

import numpy as np
import torch

from stylegan_edu.generator import z_from_seeds
from stylegan_edu.mixing import mix_ws, seed_styles


def truncated_faces(G, seeds, psi, cutoff) -> torch.Tensor:
    """a4 task 3: the generator's own truncation path."""
    return G(z_from_seeds(seeds, G.cfg.latent_size), truncation_psi=psi, truncation_cutoff=cutoff,
             noise_mode="const")


def mixed_faces(G, seeds_coarse, seeds_fine, crossover=4, psi=0.7) -> torch.Tensor:
    """a4 task 4: the styles of both seed lists, layers below `crossover` from the first."""
    ws_a, ws_b = seed_styles(G, seeds_coarse, psi), seed_styles(G, seeds_fine, psi)
    return G.synthesis(mix_ws(ws_b, ws_a, list(range(crossover))), noise_mode="const")


def attribute_distances(reader, mixed, faces_a, faces_b) -> tuple[np.ndarray, np.ndarray]:
    """a4 task 5: mean |attribute difference| of the mixed faces to faces a and to faces b, per attribute."""
    v_mixed = reader.attribute_values(mixed).double()
    return tuple((v_mixed - reader.attribute_values(x).double()).abs().mean(0).numpy() for x in (faces_a, faces_b))
