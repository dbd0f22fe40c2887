"""ToyFaces: a procedural face renderer whose generative factors we know.

`seed -> attributes -> image`. Each attribute lives at one scale, like StyleGAN's styles:
coarse ones move or reshape the whole head (they survive at 8 px), middle ones change facial
features, fine ones change colours, light and texture. Knowing the true factors lets the course
measure what a generator learned (style mixing, linear separability).

Drawing: every shape is a polygon in *face coordinates* (head half-height 1, y pointing down),
projected through a simple head pose, drawn with Pillow at 4x (or more) the output size and then
box-downsampled, which anti-aliases the edges.

Mirroring: the renderer draws every face with its hair parted on the right and obtains the other
parting as the exact mirror image of its twin. So `mirror(render(a)) == render(mirror_attributes(a))`
holds bit for bit, which is what mirror augmentation assumes.

Stochastic detail (`detail=`, off by default): the attributes fix everything about a face, so
without it the images hold nothing random for StyleGAN's noise inputs to model. With a detail seed,
what the paper gives to noise is drawn from a second random stream that no attribute controls: the
placement of hair strands, of stray hairs at the hair's edge and of the freckles, and the phase of
the fringe's zigzag. Two faces with the same attributes and different detail seeds differ only there.
"""

from __future__ import annotations

import colorsys
import functools
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

# Bump whenever a change alters any pixel or attribute: caches built by another version are rebuilt.
RENDERER_VERSION = 1
DETAIL_STREAM = 0x5D  # mixed into a face's seed for its detail stream, which the attribute stream never sees
NATIVE_SIZE = 128  # the largest (and default) output size
MIN_CANVAS = 256  # small outputs are still drawn on at least this many pixels


@dataclass(frozen=True)
class Attribute:
    name: str
    scale: str  # "coarse" | "middle" | "fine"
    binary: bool
    low: float
    high: float
    mirror_sign: int  # -1: a left-right mirror of the image negates the value
    doc: str


# The order is the order of the attribute vector; never reorder without bumping RENDERER_VERSION.
ATTRIBUTES = (
    Attribute("yaw", "coarse", False, -1, 1, -1, "head turned to the viewer's left (-1) or right (+1), about 40 deg"),
    Attribute("roll", "coarse", False, -1, 1, -1, "head tilted in the image plane, about 23 deg, + is clockwise"),
    Attribute("face_width", "coarse", False, -1, 1, 1, "narrow (-1) to round (+1) face"),
    Attribute("face_size", "coarse", False, -1, 1, 1, "head size in the frame"),
    Attribute("pos_x", "coarse", False, -1, 1, -1, "horizontal position of the head, + is right"),
    Attribute("pos_y", "coarse", False, -1, 1, 1, "vertical position of the head, + is down"),
    Attribute("eye_size", "middle", False, -1, 1, 1, "small (-1) to large (+1) eyes"),
    Attribute("eye_open", "middle", False, 0, 1, 1, "nearly closed (0) to wide open (1)"),
    Attribute("smile", "middle", False, -1, 1, 1, "mouth corners down (-1) or up (+1)"),
    Attribute("brows", "middle", False, -1, 1, 1, "eyebrows low and frowning (-1) or raised and arched (+1)"),
    Attribute("hair_length", "middle", False, 0, 1, 1, "short (0) to past the shoulders (1)"),
    Attribute("bangs", "middle", True, 0, 1, 1, "a fringe over the forehead"),
    Attribute("glasses", "middle", True, 0, 1, 1, "round glasses"),
    Attribute("hair_part", "middle", True, -1, 1, -1, "side of the hair parting, -1 left or +1 right"),
    Attribute("skin_tone", "fine", False, 0, 1, 1, "light (0) to dark (1) skin"),
    Attribute("hair_color", "fine", False, 0, 1, 1, "black, brown, auburn, ginger to blond"),
    Attribute("background_hue", "fine", False, 0, 1, 1, "hue of the backdrop, from teal through blue to lilac"),
    Attribute("light_x", "fine", False, -1, 1, -1, "light from the left (-1) or the right (+1)"),
    Attribute("freckles", "fine", False, 0, 1, 1, "how many freckles (0: none)"),
    Attribute("eye_color", "fine", False, 0, 1, 1, "iris colour from brown through hazel and green to blue"),
)
ATTRIBUTE_NAMES = tuple(a.name for a in ATTRIBUTES)
ATTRIBUTE_SCALES = tuple(a.scale for a in ATTRIBUTES)
ATTRIBUTE_BINARY = np.array([a.binary for a in ATTRIBUTES])
ATTRIBUTE_LOW = np.array([a.low for a in ATTRIBUTES], dtype=np.float32)
ATTRIBUTE_HIGH = np.array([a.high for a in ATTRIBUTES], dtype=np.float32)
MIRROR_SIGNS = np.array([a.mirror_sign for a in ATTRIBUTES], dtype=np.float32)
_I = {name: i for i, name in enumerate(ATTRIBUTE_NAMES)}


def attribute_index(name: str) -> int:
    return _I[name]


def sample_attributes(seed: int) -> np.ndarray:
    """The attribute vector (float32, in `ATTRIBUTE_NAMES` order) of ToyFace number `seed`."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(ATTRIBUTE_LOW, ATTRIBUTE_HIGH).astype(np.float32)
    u = rng.uniform(size=4)  # always drawn, so the stream stays the same whatever the values
    a[_I["bangs"]] = float(u[0] < 0.35)
    a[_I["glasses"]] = float(u[1] < 0.3)
    a[_I["hair_part"]] = 1.0 if u[2] < 0.5 else -1.0
    if u[3] < 0.5:  # half the faces have no freckles at all
        a[_I["freckles"]] = 0.0
    return a


def mirror_attributes(attrs):
    """Attributes of the left-right mirrored face (numpy or torch, any leading shape)."""
    if isinstance(attrs, np.ndarray):
        return attrs * MIRROR_SIGNS
    import torch  # only when a tensor comes in: workers stay torch-free

    return attrs * torch.as_tensor(MIRROR_SIGNS, dtype=attrs.dtype, device=attrs.device)


def render_seed(seed: int, size: int = NATIVE_SIZE, detail: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 image HxWx3, float32 attributes) of ToyFace number `seed` (`detail`: with its own
    stochastic detail, whose seed is the face's number too)."""
    attrs = sample_attributes(seed)
    return render(attrs, size, detail=seed if detail else None), attrs


def render(attrs, size: int = NATIVE_SIZE, supersample: int = 4, detail: int | None = None) -> np.ndarray:
    """Draw the face described by `attrs` as a uint8 array of shape (size, size, 3).

    `detail`: None draws the face without stochastic detail; a non-negative integer seeds it (hair
    strands, stray hairs, freckle positions, the fringe's zigzag; see the module's docstring)."""
    a = np.asarray(attrs, dtype=np.float32)
    if a.shape != (len(ATTRIBUTES),):
        raise ValueError(f"expected {len(ATTRIBUTES)} attributes, got shape {a.shape}")
    if not 4 <= size <= NATIVE_SIZE or size & (size - 1):
        raise ValueError(f"size must be a power of two from 4 to {NATIVE_SIZE}, got {size}")
    rng = None
    if detail is not None:
        if isinstance(detail, bool) or not isinstance(detail, (int, np.integer)) or detail < 0:
            raise ValueError(f"detail must be None or a non-negative integer seed, got {detail!r}")
        rng = np.random.default_rng([int(detail), DETAIL_STREAM])
    if a[_I["hair_part"]] < 0:  # drawn as the mirror of the right-parted twin: exact mirror symmetry
        return np.ascontiguousarray(_render_right_parted(a * MIRROR_SIGNS, size, supersample, rng)[:, ::-1])
    return _render_right_parted(a, size, supersample, rng)


# ----------------------------------------------------------------------------------------------
# Colours


def _lerp_palette(palette, t):
    t = min(max(float(t), 0.0), 1.0) * (len(palette) - 1)
    i = min(int(t), len(palette) - 2)
    f = t - i
    return tuple((1 - f) * c0 + f * c1 for c0, c1 in zip(palette[i], palette[i + 1]))


_SKIN = [(236, 204, 178), (220, 176, 142), (196, 146, 110), (166, 118, 86)]
_HAIR = [(60, 42, 34), (96, 62, 42), (128, 74, 44), (156, 98, 56), (180, 142, 94)]


_IRIS = [(90, 55, 30), (120, 95, 45), (80, 120, 70), (70, 115, 165)]


def _rgb(c, k=1.0):
    return tuple(int(round(min(max(v * k, 0), 255))) for v in c)


def _mix(c0, c1, t):
    return tuple((1 - t) * x + t * y for x, y in zip(c0, c1))


# ----------------------------------------------------------------------------------------------
# Geometry helpers (face coordinates: head half-height 1, x right, y down)
#
# Speed: a face is ~25 shapes of 3-64 points, and numpy spends about as long on a call with 20
# points as on one with 500. So the renderer (1) computes every array that does not depend on the
# face once, at import, and (2) projects all the shapes of a kind in one pass. Both give exactly
# the same numbers as shape-by-shape code: the same operations run on the same values, in the same
# order (the stored hashes in tests/test_toyfaces.py check this bit for bit).


@functools.lru_cache(maxsize=None)
def _unit_arc(t0, t1, n):
    """(cos t, sin t) for n angles from t0 to t1: the angles never depend on the face."""
    t = np.linspace(t0, t1, n)
    c = np.stack([np.cos(t), np.sin(t)], 1)
    c.flags.writeable = False  # shared by every face
    return c


def _arc(cx, cy, rx, ry, t0=0.0, t1=2 * math.pi, n=32):
    return (cx, cy) + (rx, ry) * _unit_arc(t0, t1, n)  # [cx + rx cos t, cy + ry sin t]


def _xy(x, y):
    """Points [n, 2] from their x and y: np.stack([x, y], 1), without its overhead."""
    p = np.empty((len(x), 2))
    p[:, 0] = x
    p[:, 1] = y
    return p


def _pixels(x, y):
    """[x0, y0, x1, y1, ...] as Python floats: the form of a point list that Pillow reads fastest."""
    return _xy(x, y).ravel().tolist()


def _const(x):
    x.flags.writeable = False
    return x


# head outline: 64 angles, the jaw flattened below the cheeks
_HEAD_T = np.linspace(0, 2 * math.pi, 64, endpoint=False)
_HEAD_COS, _HEAD_SIN = _const(np.cos(_HEAD_T)), _const(np.sin(_HEAD_T))
_HEAD_JAW = _const(1 - 0.2 * np.clip(_HEAD_SIN, 0, None) ** 3)
_HEAD_CHIN = _const(np.clip(_HEAD_SIN, 0, None) ** 2)
# eyelids: 17 points from corner to corner, (1 - s^2) their height profile
_LID_S = _const(np.linspace(-1, 1, 17))
_LID_S_BACK = _const(_LID_S[::-1])
_LID_UP = _const(1 - _LID_S**2)
_LID_DOWN = _const(1 - _LID_S_BACK**2)
# eyebrows: 12 points from the inner (u = 0) to the outer end (u = 1)
_BROW_U = _const(np.linspace(0, 1, 12))
_BROW_INNER = _const(1 - _BROW_U)
_BROW_ARCH = _const(np.sin(math.pi * _BROW_U))
_BROW_THICK = _const(0.018 + 0.022 * np.sin(math.pi * (0.15 + 0.7 * _BROW_U)))
# mouth: 21 points from corner to corner
_MOUTH_S = _const(np.linspace(-1, 1, 21))
_MOUTH_S2 = _const(_MOUTH_S**2)
_MOUTH_UP = _const(0.035 * (1 - _MOUTH_S**2))
_MOUTH_DOWN = _const(0.06 * (1 - _MOUTH_S**2))


@functools.lru_cache(maxsize=None)
def _pixel_centres(size, canvas):
    """Centres of the output pixels, in canvas pixels."""
    return _const((np.arange(size) + 0.5) / size * canvas)


def _render_right_parted(a, size, supersample, rng=None):
    g = dict(zip(ATTRIBUTE_NAMES, a.tolist()))
    canvas = max(size * supersample, MIN_CANVAS)
    factor = canvas // size

    # --- pose: face coordinates -> canvas pixels
    W = 0.74 + 0.16 * g["face_width"]  # head half-width (half-height is 1)
    D = 0.95 * W  # depth of the head ellipsoid
    theta = 0.7 * g["yaw"]
    st, ct = math.sin(theta), math.cos(theta)
    phi = 0.4 * g["roll"]
    sp, cp = math.sin(phi), math.cos(phi)
    scale = 0.31 * (1 + 0.17 * g["face_size"]) * canvas
    cx = (0.5 + 0.1 * g["pos_x"] + 0.06 * st) * canvas  # a turning head also shifts a little
    cy = (0.47 + 0.06 * g["pos_y"]) * canvas

    def depth(p):  # height of the face surface in front of the face plane
        r = 1 - (p[:, 0] / W) ** 2 - p[:, 1] ** 2
        return D * np.sqrt(np.clip(r, 0, 1))

    def proj(p, z=None):
        """Turn points by yaw (around the vertical axis, z = depth) unless z is None, roll, then place them."""
        x, y = p[:, 0], p[:, 1]
        if z is not None:
            x = x * ct + z * st
        x, y = x * cp - y * sp, x * sp + y * cp
        return _pixels(cx + scale * x, cy + scale * y)

    def project_all(shapes, heights=None):
        """{key: points} -> {key: pixel list}, every shape in one pass (see the note above).

        Without `heights` the shapes are outlines in the face plane (roll only). With it they lie
        on the face surface (depth, yaw, roll), raised by heights[key] where given."""
        spans, i = {}, 0
        for key, q in shapes.items():
            spans[key] = i, i + len(q)
            i += len(q)
        p = np.concatenate(list(shapes.values()))
        if heights is None:
            xy = proj(p)
        else:
            z = depth(p)
            for key, h in heights.items():
                z[slice(*spans[key])] += h
            xy = proj(p, z)
        return {key: xy[2 * i : 2 * j] for key, (i, j) in spans.items()}

    def silhouette(p):  # outline points: the head narrows a little when turned; the chin follows the face
        chin = 0.45 * W * _HEAD_CHIN  # (p is the head outline, whose y is _HEAD_SIN)
        return _xy(p[:, 0] * (1 - 0.08 * abs(st)) + chin * st, p[:, 1])

    def width(w):
        return max(1, int(round(w * scale)))

    skin = _lerp_palette(_SKIN, g["skin_tone"])
    hair = _lerp_palette(_HAIR, g["hair_color"])
    bg = colorsys.hsv_to_rgb(0.5 + 0.25 * g["background_hue"], 0.2, 0.8)
    bg = tuple(255 * v for v in bg)
    shirt = colorsys.hsv_to_rgb(0.3 * g["background_hue"], 0.4, 0.55)  # red-brown to olive
    shirt = tuple(255 * v for v in shirt)
    dark_skin = _rgb(skin, 0.78)
    iris_col = _lerp_palette(_IRIS, g["eye_color"])

    # ------------------------------------------------------------------------------------------
    # Shapes, in face coordinates: outlines in the face plane go to `flat`, features on the face
    # surface to `on_face` (with `raised`: their height above the skin, where they stick out).
    # All are projected at once before painting.
    flat, on_face, raised = {}, {}, {}

    # --- body: shoulders and neck do not roll or turn with the head
    body_x = cx - 0.45 * st * scale  # the neck stays under the skull when the face turns

    def body(p):
        return _pixels(body_x + scale * p[:, 0], cy + scale * p[:, 1])

    shoulders = _arc(0.0, 2.35, 1.75, 0.95, math.pi, 2 * math.pi, 40)
    shoulders = np.concatenate([shoulders, [[1.75, 3.5], [-1.75, 3.5]]])
    neck = np.array([[-0.32 * W, 0.5], [0.32 * W, 0.5], [0.38 * W, 1.6], [-0.38 * W, 1.6]])
    collar = _arc(0.0, 1.45, 0.48 * W, 0.22, 0, math.pi, 16)

    # long hair falls behind the neck and over the shoulders
    hl = g["hair_length"]
    bottom = 0.35 + 1.45 * hl
    back = np.concatenate(
        [
            [[-1.08 * W - 0.12 * hl, bottom]],
            _arc(0.0, 0.0, 1.1 * W, 1.1, math.pi, 2 * math.pi, 30),
            [[1.08 * W + 0.12 * hl, bottom]],
            _arc(0.0, bottom - 0.1, 1.08 * W + 0.12 * hl, 0.15, 0.1, math.pi - 0.1, 12),
        ]
    )
    back[:, 0] -= 0.25 * st  # the back of the head moves against the face when turning
    flat["back hair"] = back

    # --- ears: turned with the head but flat (depth 0); the far one is hidden behind the head,
    # the near one drawn over it
    ear_pts = proj(np.concatenate([_arc(side * W * 0.97, 0.08, 0.13, 0.2, n=20) for side in (-1, 1)]), np.zeros(40))
    ears = [(ear_pts[:40], st), (ear_pts[40:], -st)]  # (outline: 20 points, depth of the ear after turning)

    # --- head
    head = _xy(W * _HEAD_COS * _HEAD_JAW, _HEAD_SIN)
    flat["head"] = silhouette(head)

    # --- freckles: a fixed pattern across nose and cheeks, the first k of them (with detail: k
    # spots placed at random over the same area)
    k = int(round(g["freckles"] * len(_FRECKLES)))
    if k:
        spots = _FRECKLES[:k] if rng is None else rng.uniform(*_FRECKLE_AREA, size=(k, 2))
        on_face["freckles"] = spots * [W / 0.74, 1.0]

    # --- eyes
    ey = 0.04
    ew = 0.13 * (1 + 0.25 * g["eye_size"])
    openness = 0.15 + 0.85 * g["eye_open"]
    eh = 0.62 * ew * openness
    iris = 0.5 * ew + 0.04 * ew * g["eye_size"]
    gaze = 0.35 * st * ew  # eyes look towards the camera a little less than the head turns
    b = g["brows"]
    for side in (-1, 1):
        ex = side * 0.34 * W / 0.74
        upper = _xy(ex + ew * _LID_S, ey - eh * _LID_UP - 0.01 * side * _LID_S)
        lower = _xy(ex + ew * _LID_S_BACK, ey + 0.8 * eh * _LID_DOWN)
        on_face["eye", side] = np.concatenate([upper, lower])
        on_face["lid", side] = upper
        # eyebrow: a thick arc, raised and arched (+) or low with the inner end pulled down (-)
        bx = ex + side * (-1.1 * ew + 2.4 * ew * _BROW_U)
        frown = 0.06 * max(-b, 0.0) * _BROW_INNER  # the inner end drops when frowning
        by = ey - 0.19 - 0.06 * b - (0.04 + 0.03 * b) * _BROW_ARCH + frown
        on_face["brow", side] = np.concatenate([_xy(bx, by - _BROW_THICK), _xy(bx, by + _BROW_THICK)[::-1]])
        raised["brow", side] = 0.03
    # iris and pupil clipped to the eye opening: clamp circle points between the lids. The four
    # circles (rows: left iris, left pupil, right iris, right pupil) are done together.
    ex = np.array([[-1], [-1], [1], [1]]) * 0.34 * W / 0.74
    rad = np.array([[iris], [0.45 * iris], [iris], [0.45 * iris]])
    circle = _unit_arc(0.0, 2 * math.pi, 24)
    c_x = ex + gaze + rad * circle[:, 0]
    c_y = ey + 0.1 * eh + rad * circle[:, 1]
    rel = np.clip((c_x - ex) / ew, -1, 1)
    lo = ey - eh * (1 - rel**2)
    hi = ey + 0.8 * eh * (1 - rel**2)
    c_y = np.clip(c_y, lo, hi)
    c_x = np.clip(c_x, ex - ew, ex + ew)
    for row, key in enumerate([("iris", -1), ("pupil", -1), ("iris", 1), ("pupil", 1)]):
        on_face[key] = _xy(c_x[row], c_y[row])

    # --- nose: a shadow line down one side and a soft base, sticking out of the face
    on_face["nose"] = np.array([[0.05, 0.08], [0.075, 0.28], [0.04, 0.34]])
    raised["nose"] = np.array([0.05, 0.18, 0.2])
    on_face["nose base"] = _arc(0.0, 0.31, 0.085, 0.05, 0.2, math.pi - 0.2, 10)
    raised["nose base"] = 0.18

    # --- mouth: lips around a centre line whose corners rise with the smile
    sm = g["smile"]
    hw = 0.2 + 0.03 * sm
    mx, my = hw * _MOUTH_S, 0.55 - 0.09 * sm * _MOUTH_S2 + 0.03 * sm
    upper = _xy(mx, my - _MOUTH_UP - 0.006)
    lower = _xy(mx[::-1], (my + _MOUTH_DOWN + 0.006)[::-1])
    on_face["lips"] = np.concatenate([upper, lower])
    on_face["mouth"] = _xy(mx, my)

    # --- front hair: outer edge follows the skull, inner edge is the hairline on the forehead
    part = 0.3 * W
    flat["hair outer"] = _arc(0.0, 0.0, 1.07 * W, 1.07, math.pi - 0.12, 2 * math.pi + 0.12, 40)
    hx = np.linspace(0.97 * W, -0.97 * W, 41)  # right temple -> left temple
    if g["bangs"] > 0.5:
        zig = 0.035 * np.abs(np.sin(hx * 26 + (0.0 if rng is None else rng.uniform(0, math.pi))))
        hy = -0.3 + 0.22 * (hx / W) ** 4 + 0.06 * (hx - part) / W + zig
    else:
        hy = -0.58 + 0.5 * (hx / W) ** 4 + 0.12 * np.clip(part - hx, 0, None) / W
        hy -= 0.2 * np.exp(-(((hx - part) / 0.09) ** 2))  # the parting
    hy[0], hy[-1] = 0.12, 0.12  # sideburns
    on_face["hairline"] = _xy(hx, hy)

    # --- stochastic detail: hair strands, stray hairs (flat, like the hair they lie on)
    strands = _hair_strands(rng, W, part, bottom, st) if rng is not None else {}
    for key, (pts, _, _) in strands.items():
        flat[key] = pts

    # --- glasses: two rings and a bridge, a little in front of the face
    glasses = g["glasses"] > 0.5
    if glasses:
        gr = 0.2 * W / 0.74
        for side in (-1, 1):
            on_face["rim", side] = _arc(side * 0.34 * W / 0.74, ey + 0.01, gr, 0.8 * gr, n=28)
            raised["rim", side] = 0.08
        on_face["bridge"] = np.array(
            [[-0.34 * W / 0.74 + gr, ey - 0.02], [0.0, ey - 0.06], [0.34 * W / 0.74 - gr, ey - 0.02]]
        )
        raised["bridge"] = 0.12

    # ------------------------------------------------------------------------------------------
    # Painting, back to front
    flat = project_all(flat)
    on_face = project_all(on_face, raised)
    img = Image.new("RGB", (canvas, canvas), _rgb(bg))
    d = ImageDraw.Draw(img)

    def draw_strands(kind, k, clip=None):
        """Paint the strands of one kind, shaded k times the hair colour, clipped to a hair polygon."""
        layer = img.copy() if clip is not None else img
        dl = ImageDraw.Draw(layer)
        for key, (_, shade, w) in strands.items():
            if key[0] == kind:
                dl.line(flat[key], fill=_rgb(hair, k * shade), width=width(w), joint="curve")
        if clip is not None:
            mask = Image.new("L", img.size, 0)
            ImageDraw.Draw(mask).polygon(clip, fill=255)
            img.paste(layer, (0, 0), mask)

    d.polygon(body(shoulders), fill=_rgb(shirt))
    d.polygon(flat["back hair"], fill=_rgb(hair, 0.85))
    if strands:
        draw_strands("back strand", 0.85, flat["back hair"])
    d.polygon(body(neck), fill=dark_skin)
    d.polygon(body(collar), fill=_rgb(dark_skin, 0.92))
    for pts, z in ears:
        if z <= 0:
            d.polygon(pts, fill=_rgb(skin, 0.9))
    d.polygon(flat["head"], fill=_rgb(skin))
    for pts, z in ears:
        if z > 0:
            d.polygon(pts, fill=_rgb(skin, 0.9))

    if k:
        r, freckle = 0.014 * scale, _rgb(skin, 0.72)
        f = on_face["freckles"]
        for u, v in zip(f[0::2], f[1::2]):
            d.ellipse((u - r, v - r, u + r, v + r), fill=freckle)

    for side in (-1, 1):
        d.polygon(on_face["eye", side], fill=(245, 242, 236))
        d.polygon(on_face["iris", side], fill=_rgb(iris_col))
        d.polygon(on_face["pupil", side], fill=(15, 15, 20))
        d.line(on_face["lid", side], fill=(30, 22, 20), width=width(0.028))
        d.polygon(on_face["brow", side], fill=_rgb(hair, 0.6))

    d.line(on_face["nose"], fill=dark_skin, width=width(0.03))
    d.line(on_face["nose base"], fill=dark_skin, width=width(0.03))

    lips = _mix(skin, (190, 60, 75), 0.45)
    d.polygon(on_face["lips"], fill=_rgb(lips))
    d.line(on_face["mouth"], fill=_rgb(lips, 0.5), width=width(0.018))

    d.polygon(flat["hair outer"] + on_face["hairline"], fill=_rgb(hair))
    if strands:
        draw_strands("strand", 1.0, flat["hair outer"] + on_face["hairline"])
        draw_strands("stray", 1.0)

    if glasses:
        frame = (30, 30, 38)
        for side in (-1, 1):
            d.line(on_face["rim", side], fill=frame, width=width(0.028), joint="curve")
        d.line(on_face["bridge"], fill=frame, width=width(0.028))

    out = np.array(img.reduce(factor) if factor > 1 else img)  # uint8 [size, size, 3]

    # --- light: a smooth left-right shading over the head, applied after downsampling (it is smooth)
    lx = g["light_x"]
    if lx:
        # Its weight `inside` is 0 further than 1.15 * scale from the head's centre, so only a box
        # around the head is lit (with a margin); the pixels outside it stay exactly as they are.
        px = _pixel_centres(size, canvas)
        reach = 1.2 * scale
        c0, c1 = np.searchsorted(px, (cx - reach, cx + reach))
        r0, r1 = np.searchsorted(px, (cy - reach, cy + reach))
        box = out[r0:r1, c0:c1].astype(np.float32)
        X, Y = px[None, c0:c1] - cx, px[r0:r1, None] - cy
        u = (X * cp + Y * sp) / scale  # back to face coordinates (undo roll)
        v = (-X * sp + Y * cp) / scale
        inside = np.clip((1 - (u / (1.1 * W)) ** 2 - (v / 1.15) ** 2) * 3, 0, 1)
        # light the head, not the backdrop. (The channels are added one by one: the same exact sum
        # of whole numbers as .sum(2), ten times faster on a 3-long axis.)
        diff = np.abs(box - _rgb(bg))
        inside *= np.clip((diff[:, :, 0] + diff[:, :, 1] + diff[:, :, 2]) / 40, 0, 1)
        box *= (1 + 0.22 * lx * np.clip(u / W, -1, 1) * inside)[:, :, None]
        out[r0:r1, c0:c1] = np.clip(box + 0.5, 0, 255).astype(np.uint8)
    return out


def _hair_strands(rng, W, part, bottom, st):
    """{(kind, i): (points in face coordinates, shade, width)}: the random strands of one face.

    "strand": short arcs along the skull on the front hair, combed away from the parting;
    "back strand": falling strands on the long hair behind the head; "stray": a few hairs
    sticking out of the hair's outline into the backdrop. Shades below 1 are darker strands,
    above 1 highlights."""
    out = {}
    rx, ry = 1.07 * W, 1.07
    t_part = 2 * math.pi - math.acos(part / rx)  # the parting's angle on the skull
    for i in range(36):
        t = rng.uniform(math.pi - 0.1, 2 * math.pi + 0.1)
        rho = rng.uniform(0.55, 1.02)
        sweep = rng.uniform(0.25, 0.5) / rho * (1 if t > t_part else -1)  # arc length 0.25-0.5
        ts = t + sweep * _STRAND_U
        r = rho + rng.uniform(-0.04, 0.04) * _STRAND_U
        out["strand", i] = (_xy(r * rx * np.cos(ts), r * ry * np.sin(ts)), _strand_shade(rng), 0.022)
    for i in range(30):
        x0 = rng.uniform(-1.15 * W, 1.15 * W)
        y0 = rng.uniform(-0.6, bottom - 0.2)
        length, slant = rng.uniform(0.3, 0.7), rng.uniform(-0.12, 0.12)
        ys = y0 + length * _STRAND_U
        xs = x0 + slant * length * _STRAND_U**2 - 0.25 * st  # the back hair's shift when turning
        out["back strand", i] = (_xy(xs, ys), _strand_shade(rng), 0.022)
    for i in range(int(rng.integers(2, 7))):
        t = rng.uniform(math.pi + 0.25, 2 * math.pi - 0.25)
        ts = t + rng.uniform(-0.25, 0.25) * _STRAND_U
        r = 1.0 + rng.uniform(0.08, 0.16) * _STRAND_U
        out["stray", i] = (_xy(r * rx * np.cos(ts), r * ry * np.sin(ts)), rng.uniform(0.8, 1.1), 0.015)
    return out


def _strand_shade(rng):
    """Half the strands darker than the hair, half lighter."""
    return rng.uniform(0.66, 0.86) if rng.uniform() < 0.5 else rng.uniform(1.12, 1.3)


_STRAND_U = _const(np.linspace(0, 1, 5))  # 5 points along a strand

# fixed freckle positions on nose and cheeks (face coordinates of a W = 0.74 head)
_FRECKLE_AREA = ([-0.45, 0.12], [0.45, 0.36])
_FRECKLES = np.random.default_rng(1234).uniform(*_FRECKLE_AREA, size=(40, 2))
