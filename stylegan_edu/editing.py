"""Attribute editing along learned directions in W (InterFaceGAN, Shen et al. 2020), measured on ToyFaces.

StyleGAN's W is the space where one attribute is (nearly) one direction. To find the direction of an attribute:

1. draw `num_samples` faces from the generator (z from `seed`, w = mapping(z), no truncation);
2. read each face's attributes with the ToyFaces feature network (`attribute_probabilities`);
3. fit a linear classifier on w (scikit-learn LinearSVC, on the most confident half of the faces with label
   p > 0.5, as the linear-separability metric `metrics.separability.linear_separability` does; here on centred
   w and with C = 0.01, see `fit_normals` for why);
4. its unit normal n points from "low" to "high".

Editing a face is then `w + s * scale * n`: s is the *strength* in standard deviations of the sampled w along n
(`scale` = that standard deviation), so strength 3 moves a face as far as a face 3 sd out in the distribution of
W along the attribute. Applied to all style layers or only to one level (coarse/middle/fine), which shows where
the generator keeps the attribute.

Conditional editing (InterFaceGAN's "conditional manipulation"): to change A without changing B and C, remove
from n_A its components along n_B and n_C (project onto the orthogonal complement of their span) and normalise.

    from stylegan_edu import pretrained
    from stylegan_edu.editing import find_directions, edit, seed_ws
    from stylegan_edu.metrics.toy_features import load_toy_features

    G, reader = pretrained.load("toyfaces-64"), load_toy_features()
    dirs = find_directions(G, reader)                       # ~1000 renders, cached on disk (see cached_directions)
    ws = seed_ws(G, [0, 1, 2], psi=0.7)                     # [3, 10, 128]
    edited = edit(G, ws, dirs.vector("glasses"), [-3, 0, 3], layers="middle")   # [3, 3, 10, 128]
    images = G.synthesis(edited.flatten(0, 1), noise_mode="const")

or `stylegan-edu edit --ckpt toyfaces-64 --seeds 0-7 --attribute glasses --steps -3..3 --out edit.png`.

`measure_editing` checks the claims against the feature network's readings over 200 faces: the edited attribute
moves monotonically with the strength (Spearman), how much of its range the plotted strengths cover, how much the
other attributes move (mean and worst), and whether conditioning on the worst-leaking attribute holds it still.
"""

from __future__ import annotations

import hashlib
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from stylegan_edu.checks import check_number, check_psi, check_seed
from stylegan_edu.configs import LEVELS
from stylegan_edu.viz import quantize as _quantize  # the reader was trained on 8-bit images

FORMAT = "stylegan-edu-directions"
VERSION = 1
NUM_SAMPLES = 1000  # faces the directions are fitted on (about a minute on a 2-core CPU, then cached)
STRENGTHS = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)  # the plotted strengths, in sd of w along the direction
SVM_C = 0.01  # LinearSVC regularisation (see fit_normals)
MIN_ACCURACY = 0.8  # the feature network's validation accuracy an attribute needs to be editable


# --- directions ---------------------------------------------------------------------------------------------------

@dataclass
class Directions:
    """Unit normals in W of the editable attributes, with what is needed to use and to trust them.

    names: attribute names, in ToyFaces order. normals [A, D]: unit normals pointing to "high".
    intercepts [A]: normals @ w + intercepts is the signed distance of w to the classifier's hyperplane.
    w_cov [D, D]: covariance of the sampled w (the strength unit along any direction is sqrt(u' C u)).
    entropies: H(Y|X) in bits of each classifier (0: the attribute is perfectly separable, 1: not at all).
    """

    names: list[str]
    normals: torch.Tensor
    intercepts: torch.Tensor
    w_cov: torch.Tensor
    entropies: dict = field(default_factory=dict)
    num_samples: int = 0
    seed: int = 0

    def index(self, name: str) -> int:
        if name not in self.names:
            raise ValueError(f"no direction for {name!r}; editable attributes: {', '.join(self.names)}")
        return self.names.index(name)

    def normal(self, name: str, condition: Sequence[str] = ()) -> torch.Tensor:
        """The unit direction [D] of `name`; with `condition`, the part orthogonal to those attributes' normals."""
        n = self.normals[self.index(name)]
        condition = [c for c in dict.fromkeys(condition) if c != name]
        if not condition:
            return n.clone()
        return conditional_direction(n, torch.stack([self.normals[self.index(c)] for c in condition]))

    def scale(self, direction: torch.Tensor) -> float:
        """Standard deviation of the sampled w along the unit vector `direction`: the unit of edit strength."""
        return float(direction @ self.w_cov @ direction).__pow__(0.5)

    def vector(self, name: str, condition: Sequence[str] = ()) -> torch.Tensor:
        """The edit vector [D] of strength 1: the (conditional) unit normal times the sd of w along it."""
        n = self.normal(name, condition)
        return n * self.scale(n)

    def state_dict(self) -> dict:
        return {"format": FORMAT, "version": VERSION, "names": list(self.names), "normals": self.normals,
                "intercepts": self.intercepts, "w_cov": self.w_cov, "entropies": dict(self.entropies),
                "num_samples": int(self.num_samples), "seed": int(self.seed)}

    @classmethod
    def from_state_dict(cls, state: dict) -> "Directions":
        if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("version") != VERSION:
            raise ValueError(f"not a '{FORMAT}' version {VERSION} file")
        return cls(list(state["names"]), state["normals"], state["intercepts"], state["w_cov"],
                   dict(state["entropies"]), int(state["num_samples"]), int(state["seed"]))


def conditional_direction(n: torch.Tensor, others: torch.Tensor) -> torch.Tensor:
    """n with its components along the rows of `others` [K, D] removed, as a unit vector (InterFaceGAN).

    The rows need not be orthogonal: n is projected onto the orthogonal complement of their span (via a QR
    decomposition), so the result is orthogonal to every one of them.
    """
    others = others.reshape(-1, n.shape[-1]).to(n.dtype)
    q, _ = torch.linalg.qr(others.T)  # [D, K], orthonormal basis of the span
    m = n - q @ (q.T @ n)
    norm = m.norm()
    if norm < 1e-6:
        raise ValueError("the direction lies in the span of the conditioned directions; nothing is left to edit")
    return m / norm


@torch.no_grad()
def read_samples(G, reader, num_samples: int = NUM_SAMPLES, seed: int = 0, batch_size: int = 50,
                 noise_mode: str = "const", progress: bool = False):
    """w [N, D] of `num_samples` faces (z from `seed`, on the CPU) and the reader's probabilities [N, 20] and
    standardised values [N, 20] of their 8-bit images."""
    g = torch.Generator().manual_seed(int(seed))
    z = torch.randn(num_samples, G.cfg.latent_size, generator=g)
    bar = _bar(progress, num_samples, "directions")
    ws, probs, values = [], [], []
    for zb in z.split(batch_size):
        w = G.mapping(zb.to(G.w_avg.device))
        img = _quantize(G.synthesis(w[:, None].expand(-1, G.num_layers, -1), noise_mode=noise_mode))
        ws.append(w.cpu())
        probs.append(reader.attribute_probabilities(img).cpu())
        values.append(reader.attribute_values(img).cpu())
        if bar is not None:
            bar.update(len(zb))
    if bar is not None:
        bar.close()
    return torch.cat(ws), torch.cat(probs), torch.cat(values)


def editable_attributes(reader, min_accuracy: float = MIN_ACCURACY) -> list[str]:
    """The attributes the feature network reads reliably (`reliable_attributes`): only those can be edited and
    measured."""
    from stylegan_edu.metrics.toy_features import reliable_attributes

    return reliable_attributes(reader, min_accuracy)


def find_directions(G, reader, num_samples: int = NUM_SAMPLES, seed: int = 0, attributes: Sequence[str] | None = None,
                    keep_fraction: float = 0.5, C: float = SVM_C, batch_size: int = 50,
                    progress: bool = False) -> Directions:
    """Directions of `attributes` (default: `editable_attributes(reader)`) from `num_samples` generated faces."""
    from stylegan_edu.data.toyfaces import ATTRIBUTE_NAMES
    num_samples = check_number("num_samples", num_samples, 10, integer=True)
    seed = check_seed("seed", seed)
    names = list(attributes) if attributes is not None else editable_attributes(reader)
    unknown = [n for n in names if n not in ATTRIBUTE_NAMES]
    if unknown or not names:
        raise ValueError(f"unknown attributes {unknown}" if unknown else "no attributes to find directions for")
    names = [n for n in ATTRIBUTE_NAMES if n in names]  # ToyFaces order
    ws, probs, _ = read_samples(G, reader, num_samples, seed, batch_size, progress=progress)
    cols = [ATTRIBUTE_NAMES.index(n) for n in names]
    normals, intercepts, entropies = fit_normals(ws, probs[:, cols], names, keep_fraction, C)
    cov = torch.cov(ws.double().T).float()
    return Directions(names, normals, intercepts, cov, entropies, num_samples, seed)


def fit_normals(ws: torch.Tensor, probs: torch.Tensor, names: Sequence[str], keep_fraction: float = 0.5,
                C: float = SVM_C, random_state: int = 0):
    """Unit normals [A, D] and intercepts [A] of a LinearSVC per attribute on the centred w, and the entropies.

    As the linear-separability metric: per attribute the most confident `keep_fraction` of the samples,
    labelled p > 0.5. Unlike it, w is centred first and the SVM is regularised more (C = 0.01, scikit-learn's
    default is 1): with C = 1 the max-margin normal lies in directions of W where the faces barely vary, and
    moving 3 sd along it took the reader's glasses probability of 24 faces (of the model shipped until
    2026-12-01) only from 0.13 to 0.59; centred with C = 0.01 from 0.02 to 0.86 (docs/benchmarks.md). Without
    centring, a small C lets the regularised intercept pull the normal towards the mean of w.
    """
    from sklearn.svm import LinearSVC

    from stylegan_edu.metrics.separability import conditional_entropy_bits

    x_all = ws.double().numpy()
    mean = x_all.mean(0)
    x_all = x_all - mean
    p_all = probs.double().numpy()
    n = len(x_all)
    num_keep = max(2, round(n * keep_fraction))
    normals = np.zeros((len(names), x_all.shape[1]))
    intercepts = np.zeros(len(names))
    entropies = {}
    for a, name in enumerate(names):
        p = p_all[:, a]
        keep = np.argsort(np.abs(p - 0.5), kind="stable")[n - num_keep:]
        x, y = x_all[keep], p[keep] > 0.5
        if y.all() or not y.any():
            raise ValueError(f"no direction for {name!r}: every kept sample reads the same; use more samples")
        svm = LinearSVC(C=C, random_state=random_state).fit(x, y)
        entropies[name] = round(conditional_entropy_bits(y, svm.predict(x)), 4)
        norm = np.linalg.norm(svm.coef_[0])
        normals[a] = svm.coef_[0] / norm
        intercepts[a] = (svm.intercept_[0] - svm.coef_[0] @ mean) / norm  # for the uncentred w
    return (torch.as_tensor(normals, dtype=torch.float32), torch.as_tensor(intercepts, dtype=torch.float32),
            entropies)


def _fingerprint(*modules) -> str:
    """A short hash of the weights and buffers of the modules (which model and reader the directions belong to)."""
    h = hashlib.sha256()
    for m in modules:
        for k, v in sorted(m.state_dict().items()):
            h.update(k.encode())
            h.update(v.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def cache_file(G, reader, num_samples: int = NUM_SAMPLES, seed: int = 0, cache_dir: Path | str | None = None) -> Path:
    """Where `cached_directions` keeps the directions of this generator and reader: `directions/` in the data
    cache (data/cache or $STYLEGAN_EDU_CACHE), named by a hash of both networks' weights."""
    from stylegan_edu.data.cache import default_cache_root

    root = Path(cache_dir) if cache_dir is not None else default_cache_root() / "directions"
    return root / f"directions-{_fingerprint(G, reader)}-n{num_samples}-s{seed}.pt"


def cached_directions(G, reader, num_samples: int = NUM_SAMPLES, seed: int = 0, cache_dir: Path | str | None = None,
                      progress: bool = False) -> Directions:
    """`find_directions` with the default attributes, read from the cache file when it is there and written to it
    (atomically) otherwise. An unreadable cache file is recomputed and replaced."""
    from stylegan_edu.files import atomic_save

    path = cache_file(G, reader, num_samples, seed, cache_dir)
    if path.is_file():
        try:
            return Directions.from_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        except Exception:  # truncated or foreign: computed again below
            pass
    dirs = find_directions(G, reader, num_samples, seed, progress=progress)
    try:
        atomic_save(dirs.state_dict(), path)
    except OSError:  # a read-only cache folder: use the directions without keeping them
        pass
    return dirs


# --- editing -------------------------------------------------------------------------------------------------------

def resolve_layers(G, layers) -> list[int]:
    """None -> every style layer; 'coarse' / 'middle' / 'fine' (or a list of them) -> that level's layers;
    a list of layer indices -> itself (checked)."""
    if layers is None:
        return list(range(G.num_layers))
    if isinstance(layers, str):
        layers = [layers]
    out: set[int] = set()
    for item in layers:
        if isinstance(item, str):
            if item not in LEVELS:
                raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {item!r}")
            out.update(G.cfg.level_layers(item))
        else:
            i = check_number("layer", item, 0, G.num_layers - 1, integer=True)
            out.add(i)
    return sorted(out)


def edit(G, ws: torch.Tensor, direction: torch.Tensor, strengths, layers=None) -> torch.Tensor:
    """Move the faces `ws` along `direction`, once per strength: [N, S, num_layers, D].

    ws: [N, D] (one w per face) or [N, num_layers, D]. direction: [D] (e.g. `Directions.vector(name)`, strength 1
    = one sd). strengths: S finite numbers. layers: None (all style layers), a level name ('coarse', 'middle',
    'fine'), or a list of layer indices; only those layers move.
    """
    if ws.dim() == 2:
        ws = ws[:, None].expand(-1, G.num_layers, -1)
    if ws.dim() != 3 or ws.shape[1] != G.num_layers:
        raise ValueError(f"ws must be [N, D] or [N, {G.num_layers}, D], got {tuple(ws.shape)}")
    s = torch.as_tensor([check_number("strength", x) for x in strengths], dtype=ws.dtype, device=ws.device)
    mask = torch.zeros(G.num_layers, dtype=ws.dtype, device=ws.device)
    mask[resolve_layers(G, layers)] = 1
    step = s[:, None, None] * mask[None, :, None] * direction.to(ws)[None, None, :]  # [S, L, D]
    return ws[:, None] + step[None]


def seed_ws(G, seeds: Sequence[int], psi: float = 0.7) -> torch.Tensor:
    """Per-layer w [len(seeds), num_layers, D] of the seeds' faces, truncated with the model's cutoff."""
    from stylegan_edu.mixing import seed_styles

    return seed_styles(G, list(seeds), check_psi(psi))


def parse_strengths(text: str) -> list[float]:
    """'-3..3' -> [-3, -2, ..., 3] (step 1); '-2..2:0.5' -> step 0.5; '-3,0,1.5' -> those numbers."""
    text = text.strip()
    try:
        if ".." in text:
            span, _, step = text.partition(":")
            lo, hi = (float(x) for x in span.split(".."))
            step = float(step) if step else 1.0
            if not all(math.isfinite(x) for x in (lo, hi, step)) or step <= 0 or hi < lo:
                raise ValueError
            n = int(math.floor((hi - lo) / step + 1e-9)) + 1
            if n > 25:
                raise OverflowError
            values = [round(lo + i * step, 6) for i in range(n)]
        else:
            values = [float(x) for x in text.split(",")]
    except OverflowError:
        raise ValueError(f"at most 25 strengths, got {text!r}") from None
    except ValueError:
        raise ValueError(f"strengths must look like -3..3, -2..2:0.5 or -3,0,3 (finite, increasing), got {text!r}") \
            from None
    if not values or len(values) > 25 or not all(math.isfinite(v) and abs(v) <= 100 for v in values):
        raise ValueError(f"strengths must be 1 to 25 finite numbers in [-100, 100], got {text!r}")
    return values


@torch.no_grad()
def edit_images(G, dirs: Directions, seeds: Sequence[int], attribute: str, strengths=STRENGTHS, layers=None,
                condition: Sequence[str] = (), psi: float = 0.7, batch_size: int = 64) -> torch.Tensor:
    """Images [len(seeds), S, 3, H, W] of the seeds' faces edited along `attribute` (noise: the stored images)."""
    ws = edit(G, seed_ws(G, seeds, psi), dirs.vector(attribute, condition), strengths, layers)
    flat = ws.flatten(0, 1)
    imgs = torch.cat([G.synthesis(b, noise_mode="const") for b in flat.split(batch_size)])
    return imgs.view(*ws.shape[:2], *imgs.shape[1:])


def _fmt_strength(s: float) -> str:
    return f"{s:+g}".replace("-", "\u2212") if s else "0"


def edit_figure(G, dirs: Directions, seeds: Sequence[int], attribute: str, strengths=STRENGTHS, layers=None,
                condition: Sequence[str] = (), psi: float = 0.7, reader=None, upscale_to: int = 64,
                images: torch.Tensor | None = None):
    """The labelled grid: a row per seed, a column per strength (the unedited face is strength 0). With `reader`,
    each column label also gives the mean probability the reader sees the attribute as high in that column."""
    from stylegan_edu.mixing import label_grid, layers_label
    from stylegan_edu.viz import image_grid

    if images is None:
        images = edit_images(G, dirs, seeds, attribute, strengths, layers, condition, psi)
    S = images.shape[1]
    cols = [_fmt_strength(s) for s in strengths]
    if reader is not None:
        from stylegan_edu.data.toyfaces import ATTRIBUTE_NAMES

        with torch.no_grad():
            p = reader.attribute_probabilities(_quantize(images.flatten(0, 1)))[:, ATTRIBUTE_NAMES.index(attribute)]
        p = p.view(-1, S).mean(0)
        cols = [f"{c} p={float(q):.2f}" for c, q in zip(cols, p)]
    grid = image_grid(images.flatten(0, 1), columns=S, upscale_to=upscale_to)
    where = "all layers" if layers is None else (layers if isinstance(layers, str) else "") + " " + \
        layers_label(G.cfg, resolve_layers(G, layers))
    title = f"{attribute}: strength in sd of w along its direction, {where.strip()}"
    if condition and set(condition) >= set(dirs.names) - {attribute}:  # 16 names would not fit the title
        title += "; every other attribute held (conditional)"
    elif condition:
        title += f"; {', '.join(condition)} held (conditional)"
    title += f"; \u03c8 {psi:g}"
    return label_grid(grid, columns=cols, rows=[f"seed {s}" for s in seeds], title=title,
                      font_size=11 if upscale_to < 96 else 12)


# --- measurement ---------------------------------------------------------------------------------------------------

def attribute_ranges(reader, names: Sequence[str]) -> torch.Tensor:
    """The full range (high - low) of each attribute in the reader's standardised units."""
    from stylegan_edu.data.toyfaces import ATTRIBUTE_HIGH, ATTRIBUTE_LOW, ATTRIBUTE_NAMES

    cols = [ATTRIBUTE_NAMES.index(n) for n in names]
    span = torch.as_tensor(ATTRIBUTE_HIGH - ATTRIBUTE_LOW)[cols]
    return span / reader.attr_std.cpu()[cols]


def _bar(progress: bool, total: int, desc: str):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="img", leave=False, file=sys.stderr)


def _movement(move: torch.Tensor, a: int, names: Sequence[str]) -> tuple[dict, torch.Tensor]:
    """Summary of an edit's readings: move [F, K] = (value after - value before) / range per face and attribute,
    `a` the edited one. Returns ({"reached": its mean, "others_mean", "others_worst", "others_worst_moved": the
    other attributes' mean absolute movements, averaged, and the largest, "others_systematic": the same average
    of |mean movement| over faces (the part every face shares; the rest is each face's own scatter)}, those
    movements [K])."""
    moved_abs = move.abs().mean(0)
    others = [k for k in range(len(names)) if k != a]
    worst = max(others, key=lambda k: float(moved_abs[k]))
    return {"reached": round(float(move[:, a].mean()), 4), "others_mean": round(float(moved_abs[others].mean()), 4),
            "others_worst": names[worst], "others_worst_moved": round(float(moved_abs[worst]), 4),
            "others_systematic": round(float(move[:, others].mean(0).abs().mean()), 4)}, moved_abs


@torch.no_grad()
def measure_editing(G, reader, dirs: Directions, num_faces: int = 200, strengths=STRENGTHS,
                    attributes: Sequence[str] | None = None, condition: Sequence[str] | None = None,
                    layers=None, psi: float = 0.7, seed: int = 1, batch_size: int = 50,
                    half_range: bool = False, hold_others: bool = False, progress: bool = False) -> dict:
    """How well each direction edits its attribute, read back with the feature network on `num_faces` faces.

    Faces: z from `seed` (another seed than the directions' samples), truncated with `psi`; each is edited along
    each attribute's direction at every strength, rendered (stored noise), rounded to 8 bits and read
    (`attribute_values`, standardised). Per attribute:

    - spearman: the mean over faces of Spearman's rho between strength and the attribute read back (1: it
      always rises with the strength);
    - reached: mean over faces of (value at the largest strength - value at the smallest) / the attribute's
      full range (high - low): the share of the range the plotted strengths cover;
    - others_mean / others_worst: the same movement |value at max - value at min| / range for each *other*
      editable attribute, averaged over faces; their mean, and the largest with its name;
    - conditional: the edit again with the direction conditioned on `condition` (default: the worst-moving
      other attribute), only at the two end strengths: the named attributes' movement without and with
      conditioning, and `reached` with conditioning (what holding them still costs).

    half_range: also edit each face to the strength at which the attribute covers half its range
      (`half_range_strength` on the plotted strengths' readings) and read every attribute again there: entry
      "half_range" = {"strength", "reached", "others_mean", "others_worst", "others_worst_moved"}, or None when
      the plotted strengths never cover half the range. The plotted span is a choice (±3 sd of w takes
      face_size past its whole range), so this asks what an edit that does what is asked of it costs the others.

    hold_others: edit each attribute along its direction conditioned on every other editable attribute (all the
      others' normals projected out, InterFaceGAN's conditional manipulation with everything else held; `vector`
      then scales the strength by the sd of w along that narrower direction). The "conditional" column is then
      None: nothing is left to hold. Asks whether linear conditioning alone keeps the others still.

    layers: as in `edit` (None: every layer), or "own": each attribute on the layers of its own ToyFaces level
    (`ATTRIBUTE_SCALES`: glasses on the middle layers, pos_x on the coarse ones, hair colour on the fine ones),
    which asks whether an edit placed where the dataset says the attribute lives leaves the others alone.

    Returns a JSON-serialisable dict {"attributes": {name: {...}}, "num_faces", "strengths", "psi", "seed", ...}.
    """
    from scipy.stats import spearmanr

    from stylegan_edu.data.toyfaces import ATTRIBUTE_NAMES, ATTRIBUTE_SCALES

    num_faces = check_number("num_faces", num_faces, 2, integer=True)
    strengths = sorted(check_number("strength", s) for s in strengths)
    if len(strengths) < 3:
        raise ValueError(f"need at least 3 strengths, got {strengths}")
    names = list(dirs.names)
    targets = list(attributes) if attributes is not None else names
    for n in targets:
        dirs.index(n)
    own = isinstance(layers, str) and layers == "own"
    if not own:
        resolve_layers(G, layers)  # a bad level or layer fails here, before any rendering

    def layers_of(name):
        return ATTRIBUTE_SCALES[ATTRIBUTE_NAMES.index(name)] if own else layers

    cols = [ATTRIBUTE_NAMES.index(n) for n in names]
    rng = attribute_ranges(reader, names)
    ws0 = seed_ws_from_generator(G, num_faces, seed, psi)
    nonzero = [s for s in strengths if s != 0]
    total = len(targets) * num_faces * (len(nonzero) + 2 + 2 * half_range) + num_faces
    bar = _bar(progress, total, "editing")

    def read(ws):  # [M, L, D] -> [M, K] standardised values of the editable attributes
        out = []
        for b in ws.split(batch_size):
            img = _quantize(G.synthesis(b, noise_mode="const"))
            out.append(reader.attribute_values(img)[:, cols].float().cpu())
            if bar is not None:
                bar.update(len(b))
        return torch.cat(out)

    base = read(ws0)  # strength 0
    result = {}
    for name in targets:
        a = names.index(name)
        vec = dirs.vector(name, [n for n in names if n != name] if hold_others else ())
        vals = []  # [S, F, K]
        for s in strengths:
            vals.append(base if s == 0 else read(edit(G, ws0, vec, [s], layers_of(name))[:, 0]))
        vals = torch.stack(vals)
        x = np.asarray(strengths)
        rhos = [spearmanr(x, vals[:, f, a].numpy()).statistic for f in range(num_faces)]
        rho = float(np.nanmean(rhos))
        moved, moved_abs = _movement((vals[-1] - vals[0]) / rng, a, names)
        entry = {"layers": layers_of(name) or "all", "spearman": round(rho, 4), **moved}
        held = [c for c in (condition if condition is not None else [entry["others_worst"]]) if c != name]
        if held and not hold_others:
            cvec = dirs.vector(name, held)
            lo = read(edit(G, ws0, cvec, [strengths[0]], layers_of(name))[:, 0])
            hi = read(edit(G, ws0, cvec, [strengths[-1]], layers_of(name))[:, 0])
            cmove = (hi - lo) / rng
            hk = [names.index(c) for c in held]
            entry["conditional"] = {
                "held": held,
                "moved_unconditional": {c: round(float(moved_abs[k]), 4) for c, k in zip(held, hk)},
                "moved_conditional": {c: round(float(cmove[:, k].abs().mean()), 4) for c, k in zip(held, hk)},
                "reached": round(float(cmove[:, a].mean()), 4),
            }
        else:
            entry["conditional"] = None
        if half_range:
            entry["half_range"] = None
            s_half = half_range_strength(strengths, vals[:, :, a].mean(1) / rng[a])
            if s_half is not None:
                lo = read(edit(G, ws0, vec, [-s_half], layers_of(name))[:, 0])
                hi = read(edit(G, ws0, vec, [s_half], layers_of(name))[:, 0])
                entry["half_range"] = {"strength": round(s_half, 4), **_movement((hi - lo) / rng, a, names)[0]}
        result[name] = entry
    if bar is not None:
        bar.close()
    return {"attributes": result, "num_faces": num_faces, "strengths": strengths, "psi": psi, "seed": seed,
            "layers": "all" if layers is None else layers, "directions_samples": dirs.num_samples,
            "hold_others": bool(hold_others)}


@torch.no_grad()
def measure_reader_floor(reader, names: Sequence[str], num_faces: int = 200, seed: int = 50_000,
                         cover: float = 0.5, size: int = 64, batch_size: int = 50) -> dict:
    """What the feature network reads when a *real* ToyFace changes in one attribute only: the floor under
    `measure_editing`'s "others".

    ToyFaces draws a face from its attribute vector, so one attribute can be changed exactly: for faces number
    `seed`, `seed` + 1, ... (numbers the training set does not use) and each attribute in `names`, the face is
    drawn twice, the attribute set to the two ends of the middle `cover` share of its range (a binary one: 0
    and 1, its whole range), and all attributes are read from both images as `measure_editing` reads them.
    Every movement of another attribute is then the reader's own cross-talk (or the picture's: a fringe
    hides the parting), since nothing else changed. Per attribute: {"reached", "others_mean", "others_worst",
    "others_worst_moved"}, in the units of `measure_editing`.
    """
    from stylegan_edu.data.toyfaces import ATTRIBUTE_BINARY, ATTRIBUTE_HIGH, ATTRIBUTE_LOW, ATTRIBUTE_NAMES
    from stylegan_edu.data.toyfaces import render, sample_attributes

    num_faces = check_number("num_faces", num_faces, 1, integer=True)
    cover = check_number("cover", cover, 0, 1, lo_open=True)
    names = list(names)
    cols = [ATTRIBUTE_NAMES.index(n) for n in names]
    rng = attribute_ranges(reader, names)
    base = np.stack([sample_attributes(seed + i) for i in range(num_faces)])
    device = next(reader.parameters()).device

    def read(attrs):  # [F, 20] attribute vectors -> [F, K] standardised readings of `names`
        img = torch.from_numpy(np.stack([render(a, size) for a in attrs])).permute(0, 3, 1, 2).float() / 127.5 - 1
        return torch.cat([reader.attribute_values(b.to(device))[:, cols].float().cpu()
                          for b in img.split(batch_size)])

    result = {}
    for a, name in enumerate(names):
        c = cols[a]
        lo_hi = (0.0, 1.0) if ATTRIBUTE_BINARY[c] else (0.5 - cover / 2, 0.5 + cover / 2)
        ends = []
        for t in lo_hi:
            attrs = base.copy()
            attrs[:, c] = ATTRIBUTE_LOW[c] + t * (ATTRIBUTE_HIGH[c] - ATTRIBUTE_LOW[c])
            ends.append(read(attrs))
        result[name] = _movement((ends[1] - ends[0]) / rng, a, names)[0]
    return {"attributes": result, "num_faces": num_faces, "seed": seed, "cover": cover, "size": size}


def half_range_strength(strengths: Sequence[float], mean_values: torch.Tensor, target: float = 0.5) -> float | None:
    """The strength s > 0 at which the edit from -s to +s covers `target` of the attribute's range.

    strengths: sorted; mean_values[i]: the attribute's mean reading over the faces at strengths[i], in units of
    its range. Uses the pairs (-s, +s) the strengths hold (with 0: no change), interpolates linearly between the
    first pair that covers `target` and the one below it, whose coverage counts as the largest of the pairs up
    to it (so a dip below an earlier pair does not pull the strength down); None if no pair does.
    """
    at = {float(s): float(v) for s, v in zip(strengths, mean_values)}
    prev_s, prev_r = 0.0, 0.0
    for s in sorted(x for x in at if x > 0 and -x in at):
        r = at[s] - at[-s]
        if r >= target:
            return prev_s + (target - prev_r) / (r - prev_r) * (s - prev_s)
        prev_s, prev_r = s, max(prev_r, r)
    return None


def seed_ws_from_generator(G, num_faces: int, seed: int, psi: float) -> torch.Tensor:
    """Per-layer w [num_faces, num_layers, D] of random faces: z from `seed` drawn on the CPU, truncated."""
    from stylegan_edu.generator import broadcast, truncate

    g = torch.Generator().manual_seed(int(seed))
    z = torch.randn(num_faces, G.cfg.latent_size, generator=g).to(G.w_avg.device)
    return truncate(broadcast(G.mapping(z), G.num_layers), G.w_avg, check_psi(psi), G.cfg.truncation_cutoff)


def format_table(m: dict) -> str:
    """The measurement as a plain-text table, one row per attribute."""
    s = m["strengths"]
    lines = [f"editing along W directions: {m['num_faces']} faces, strengths {s[0]:g} .. {s[-1]:g} sd "
             f"({len(s)} steps), psi {m['psi']:g}, layers: {m['layers']}, directions from "
             f"{m['directions_samples']} samples"
             + ("; every edit conditioned on all the other attributes" if m.get("hold_others") else ""), "",
             f"{'attribute':<15}{'spearman':>9}{'reached':>8}{'others':>7}  {'worst other':<22}"
             f"{'held: moved':>12}{'-> cond.':>9}{'reached':>8}"]
    half = any("half_range" in e for e in m["attributes"].values())
    if half:
        lines[-1] += f"{'| half:':>8}{'reached':>8}{'others':>7}{'syst.':>6}  worst other"
    for name, e in m["attributes"].items():
        worst = f"{e['others_worst']} {e['others_worst_moved']:.2f}"
        row = f"{name:<15}{e['spearman']:>9.2f}{e['reached']:>8.2f}{e['others_mean']:>7.2f}  {worst:<22}"
        c = e.get("conditional")
        if c:
            held = c["held"][0]
            row += f"{c['moved_unconditional'][held]:>12.2f}{c['moved_conditional'][held]:>9.2f}{c['reached']:>8.2f}"
        elif half:
            row += " " * 29
        if half:
            h = e.get("half_range")
            row += (f"{h['strength']:>7.2f}{h['reached']:>8.2f}{h['others_mean']:>7.2f}{h['others_systematic']:>6.2f}  "
                    f"{h['others_worst']} {h['others_worst_moved']:.2f}") if h else f"{'not reached':>28}"
        lines.append(row)
    lines += ["", "spearman: mean over faces of rank correlation of the attribute read back with the strength;",
              "reached: mean (value at max - value at min strength) / the attribute's range; others: the same,",
              "absolute, averaged over the other editable attributes; worst other: the one that moves most.",
              "held: that worst attribute, its movement without and with conditioning on it (InterFaceGAN), and",
              "the edited attribute's reached share with conditioning."]
    if half:
        lines += ["half: the strength (sd) at which the edit covers half the attribute's range on these faces, and",
                  "what the faces edited from -that to +that read: reached, others, syst. (the others' mean movement",
                  "over faces, absolute, averaged: the part all faces share) and the worst other."]
    return "\n".join(lines)


__all__ = ["Directions", "STRENGTHS", "cache_file", "cached_directions", "conditional_direction", "edit",
           "edit_figure", "edit_images", "editable_attributes", "find_directions", "format_table",
           "half_range_strength", "measure_editing", "measure_reader_floor", "parse_strengths", "read_samples",
           "resolve_layers", "seed_ws"]
