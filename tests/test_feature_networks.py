"""The standard feature networks (FID Inception-v3, LPIPS-VGG16) and the local weight loader.

No real weight file is needed: the networks run with random weights, their state-dict layouts are compared with
the key lists of the released files (tests/data/*_keys.json), and the loader is exercised with files written here.
"""

import json
from pathlib import Path

import pytest
import torch

from stylegan_edu.metrics.inception import FIDInceptionV3, load_inception, tf1_resize_bilinear
from stylegan_edu.metrics.lpips import LPIPS, load_lpips
from stylegan_edu.metrics.weights import (
    ENV_VAR,
    WEIGHT_FILES,
    WeightsError,
    find_weights,
    load_state_dict_checked,
    sha256_of,
)

DATA = Path(__file__).parent / "data"
NBT = ".num_batches_tracked"


@pytest.fixture(autouse=True)
def _one_thread_and_no_real_weights(monkeypatch, tmp_path):
    torch.set_num_threads(1)
    # never pick up weight files lying around on this machine
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))


def key_list(name):
    return json.loads((DATA / name).read_text())


def layout(state, prefix=""):
    return [[k, list(v.shape)] for k, v in state.items() if k.startswith(prefix)]


def one_line(err: WeightsError) -> str:
    text = str(err)
    assert "\n" not in text and text.strip() == text and text
    return text


def randomize_batchnorm(net, seed=1):
    """Random BN statistics of a size that keeps 94 random layers at O(1) activations, so a wrong key mapping
    would change the features visibly."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(2.0, 3.0, generator=g)
                m.bias.uniform_(-0.1, 0.1, generator=g)
                m.running_mean.normal_(0.0, 0.01, generator=g)
                m.running_var.uniform_(0.5, 1.5, generator=g)
                m.num_batches_tracked.fill_(7)
    return net


@pytest.fixture(scope="module")
def inception_file(tmp_path_factory):
    """A random FIDInceptionV3 saved under the released file name; (folder, source network)."""
    torch.manual_seed(123)
    net = randomize_batchnorm(FIDInceptionV3())
    folder = tmp_path_factory.mktemp("weights")
    torch.save(net.state_dict(), folder / WEIGHT_FILES["inception"].filename)
    return folder, net


# ----------------------------------------------------------------------------------------------- Inception


@pytest.mark.parametrize("size", [64, 299])
def test_inception_returns_2048_features_for_any_size(size):
    net = FIDInceptionV3()
    assert net.feature_dim == 2048 and net.name == "inception" and not net.training
    with torch.no_grad():
        feats = net(torch.rand(2, 3, size, size) * 2 - 1)
    assert feats.shape == (2, 2048) and feats.dtype == torch.float32
    assert torch.isfinite(feats).all()


def _numpy_tf1_resize(img, out_h, out_w):
    """TF1 resize_bilinear(align_corners=False), written out pixel by pixel: source = index * in / out."""
    import numpy as np

    h, w = img.shape
    res = np.zeros((out_h, out_w))
    for i in range(out_h):
        sy = i * h / out_h
        y0 = int(np.floor(sy))
        y1, dy = min(y0 + 1, h - 1), sy - y0
        for j in range(out_w):
            sx = j * w / out_w
            x0 = int(np.floor(sx))
            x1, dx = min(x0 + 1, w - 1), sx - x0
            top = (1 - dx) * img[y0, x0] + dx * img[y0, x1]
            bottom = (1 - dx) * img[y1, x0] + dx * img[y1, x1]
            res[i, j] = (1 - dy) * top + dy * bottom
    return res


@pytest.mark.parametrize("shape", [(2, 1, 64, 64), (1, 2, 7, 10)])
def test_tf1_resize_equals_the_formula_written_in_numpy(shape):
    import numpy as np

    x = torch.randn(shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    got = tf1_resize_bilinear(x, 299).numpy()
    for n in range(shape[0]):
        for c in range(shape[1]):
            np.testing.assert_allclose(got[n, c], _numpy_tf1_resize(x[n, c].numpy(), 299, 299), atol=1e-12)
    # not pytorch-fid's half-pixel resize: the two differ on a random image
    half = torch.nn.functional.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
    assert (half - torch.from_numpy(got)).abs().max() > 0.1


def test_inception_resize_modes():
    net, fid_style = FIDInceptionV3(), FIDInceptionV3("pytorch-fid")
    assert (net.resize, fid_style.resize) == ("tf1", "pytorch-fid")
    fid_style.load_state_dict(net.state_dict())
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    half = torch.nn.functional.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
    with torch.no_grad():  # each network resizes its own way before the first convolution
        assert torch.equal(net(x), net(tf1_resize_bilinear(x, 299)))
        assert torch.equal(fid_style(x), fid_style(half))
    with pytest.raises(ValueError, match="resize must be one of"):
        FIDInceptionV3("nearest")


def test_inception_rejects_non_rgb_input():
    with pytest.raises(ValueError, match=r"\[N, 3, H, W\]"):
        FIDInceptionV3()(torch.zeros(1, 1, 64, 64))


def test_inception_state_dict_equals_released_key_list():
    ref = key_list("inception_fid_keys.json")
    ours = layout(FIDInceptionV3().state_dict())
    assert ours == ref["keys"]                                   # names, order and shapes
    assert len(ours) == ref["num_tensors"] == 566                # 94 conv+BN units x 6 tensors + fc weight, bias
    without_counters = [e for e in ours if not e[0].endswith(NBT)]
    assert without_counters == [e for e in ref["keys"] if not e[0].endswith(NBT)]
    assert len(without_counters) == ref["num_tensors_without_num_batches_tracked"] == 472
    shapes = {k: s for k, s in ours}
    assert shapes["fc.weight"] == [1008, 2048] and shapes["fc.bias"] == [1008]
    assert shapes["Conv2d_1a_3x3.bn.running_mean"] == [32] and shapes["Mixed_7c.branch_pool.bn" + NBT] == []
    assert not any(k.startswith("AuxLogits") for k, _ in ours)


def test_inception_parameter_count():
    # torchvision documents Inception_V3_Weights.IMAGENET1K_V1 num_params = 27,161,264 (aux logits on, 1000
    # classes). Its InceptionAux(768, 1000) holds conv0 768*128 + BN 2*128 = 98,560, conv1 128*768*5*5 + BN 2*768
    # = 2,459,136 and fc 768*1000 + 1000 = 769,000, i.e. 3,326,696; without it 23,834,568 (timm: "23.8 M").
    # 1008 instead of 1000 classes adds 8 * (2048 + 1) = 16,392 to fc: 23,850,960.
    expected = 27_161_264 - (98_560 + 2_459_136 + 769_000) + 8 * 2049
    net = FIDInceptionV3()
    assert sum(p.numel() for p in net.parameters()) == expected == 23_850_960
    assert key_list("inception_fid_keys.json")["num_parameters"] == expected


def test_load_inception_from_env_folder_gives_the_source_features(inception_file, monkeypatch):
    folder, source = inception_file
    monkeypatch.setenv(ENV_VAR, str(folder))
    net = load_inception(check_hash=False)                       # a re-saved file has its own sha256
    assert not net.training and not any(p.requires_grad for p in net.parameters())
    x = torch.rand(2, 3, 48, 48) * 2 - 1
    with torch.no_grad():
        want, got = source(x), net(x)
    assert want.abs().mean() > 0.1                               # O(1) features: a key mix-up would show
    torch.testing.assert_close(got, want, rtol=0, atol=0)
    for k, v in source.state_dict().items():
        assert torch.equal(net.state_dict()[k], v), k


def test_load_inception_accepts_explicit_path_and_files_without_counters(inception_file, tmp_path):
    folder, source = inception_file
    path = folder / WEIGHT_FILES["inception"].filename
    assert find_weights("inception", path) == path               # the file itself
    assert find_weights("inception", folder) == path             # or the folder holding it
    old_style = {k: v for k, v in source.state_dict().items() if not k.endswith(NBT)}   # pre-0.4.1 files
    torch.save(old_style, tmp_path / "old.pth")
    net = load_inception(tmp_path / "old.pth", check_hash=False)
    for k, v in old_style.items():
        assert torch.equal(net.state_dict()[k], v), k


def test_load_inception_checks_the_published_sha256_prefix(inception_file):
    folder, _ = inception_file
    assert WEIGHT_FILES["inception"].sha256_prefix == "6726825d"
    with pytest.raises(WeightsError) as e:
        load_inception(folder)                                   # our random file is not the released one
    text = one_line(e.value)
    assert WEIGHT_FILES["inception"].filename in text and "6726825d" in text and "sha256" in text


# ----------------------------------------------------------------------------------------------- LPIPS


def test_lpips_trunk_equals_torchvision_vgg16_features_keys():
    ref = key_list("vgg16_keys.json")
    state = LPIPS().state_dict()
    trunk = layout(state, "features.")
    assert trunk == ref["keys"] and len(trunk) == ref["num_tensors"] == 26
    assert sum(torch.Size(s).numel() for _, s in trunk) == ref["num_parameters"] == 14_714_688
    # with the ignored classifier the list adds up to torchvision's documented VGG16 total (138,357,544)
    assert ref["num_parameters_with_classifier"] == 138_357_544
    assert ref["num_parameters"] + sum(torch.Size(s).numel() for _, s in ref["ignored_keys"]) == 138_357_544
    assert {k.split(".")[0] for k in state} == {"features", "lin0", "lin1", "lin2", "lin3", "lin4"}


def test_lpips_heads_equal_lpips_v01_keys():
    ref = key_list("lpips_vgg_lin_keys.json")
    heads = layout(LPIPS().state_dict(), "lin")
    assert heads == ref["keys"] and len(heads) == 5
    assert heads[0] == ["lin0.model.1.weight", [1, 64, 1, 1]]


def test_lpips_is_zero_on_identical_images_positive_and_symmetric():
    torch.manual_seed(0)
    dist = LPIPS()
    x, y = torch.rand(2, 3, 32, 32) * 2 - 1, torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        dxx, dxy, dyx = dist(x, x), dist(x, y), dist(y, x)
    assert dxx.shape == dxy.shape == (2,)
    assert torch.equal(dxx, torch.zeros(2))
    assert (dxy > 0).all()
    torch.testing.assert_close(dxy, dyx)
    with pytest.raises(ValueError):
        dist(x, y[:, :, :16])


def test_load_lpips_from_folder(tmp_path, monkeypatch):
    torch.manual_seed(5)
    source = LPIPS()
    with torch.no_grad():
        for i in range(5):
            getattr(source, f"lin{i}").model[1].weight.uniform_(0.0, 1.0)
    state = source.state_dict()
    vgg = {k: v for k, v in state.items() if k.startswith("features.")}
    vgg["classifier.6.bias"] = torch.zeros(1000)                 # the file's classifier is ignored
    torch.save(vgg, tmp_path / WEIGHT_FILES["vgg16"].filename)
    torch.save({k: v for k, v in state.items() if k.startswith("lin")}, tmp_path / WEIGHT_FILES["lpips_vgg"].filename)
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    dist = load_lpips(check_hash=False)
    x, y = torch.rand(2, 3, 32, 32) * 2 - 1, torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        torch.testing.assert_close(dist(x, y), source(x, y), rtol=0, atol=0)
    with pytest.raises(WeightsError, match="vgg16-397923af.pth.*sha256"):
        load_lpips(tmp_path, tmp_path)                           # hash of the VGG file checked by default


# ----------------------------------------------------------------------------------------------- weights.py


def test_missing_file_error_is_one_line_naming_file_env_var_and_source(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    for name, spec in WEIGHT_FILES.items():
        with pytest.raises(WeightsError) as e:
            find_weights(name)
        text = one_line(e.value)
        assert spec.filename in text and ENV_VAR in text and str(tmp_path / "nowhere") in text
        assert "stylegan_edu" in text and "get it" in text
        assert isinstance(e.value, FileNotFoundError)
    with pytest.raises(WeightsError) as e:
        load_inception()
    assert "pt_inception-2015-12-05-6726825d.pth" in one_line(e.value)
    monkeypatch.delenv(ENV_VAR)
    with pytest.raises(WeightsError, match=rf"\${ENV_VAR} \(not set\)"):
        find_weights("vgg16")
    with pytest.raises(ValueError):
        find_weights("resnet")


def test_find_weights_search_order(tmp_path, monkeypatch):
    name = WEIGHT_FILES["lpips_vgg"].filename
    explicit, env, cache = (tmp_path / d for d in ("explicit", "env", "xdg"))
    for d in (explicit, env, cache / "stylegan_edu" / "weights"):
        d.mkdir(parents=True)
        (d / name).write_bytes(b"x")
    monkeypatch.setenv(ENV_VAR, str(env))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    assert find_weights("lpips_vgg", explicit) == explicit / name
    assert find_weights("lpips_vgg", tmp_path / "elsewhere") == env / name
    assert find_weights("lpips_vgg") == env / name
    monkeypatch.delenv(ENV_VAR)
    assert find_weights("lpips_vgg") == cache / "stylegan_edu" / "weights" / name


SMALL = {"a.weight": (2, 3), "a.bias": (2,), "bn.num_batches_tracked": ()}


def small_state():
    return {"a.weight": torch.randn(2, 3), "a.bias": torch.randn(2), "bn.num_batches_tracked": torch.tensor(3)}


def write_bad(kind, path):
    state = small_state()
    if kind == "missing key":
        del state["a.bias"]
    elif kind == "unexpected key":
        state["b.weight"] = torch.zeros(1)
    elif kind == "wrong shape":
        state["a.weight"] = torch.zeros(3, 2)
    elif kind == "not a tensor":
        state["a.bias"] = [1.0, 2.0]
    torch.save(state, path, _use_new_zipfile_serialization=(kind != "truncated legacy"))
    if kind.startswith("truncated"):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "garbage":
        path.write_bytes(b"<html>404 Not Found</html>\n")


@pytest.mark.parametrize("kind, needle", [
    ("missing key", "missing key 'a.bias'"),
    ("unexpected key", "unexpected key 'b.weight'"),
    ("wrong shape", "'a.weight' has shape [3, 2], expected [2, 3]"),
    ("not a tensor", "'a.bias' is a list"),
    ("truncated", "cannot read"),
    ("truncated legacy", "cannot read"),
    ("garbage", "cannot read"),
])
def test_bad_file_gives_one_line_error_naming_the_file(kind, needle, tmp_path):
    path = tmp_path / "weights.pth"
    write_bad(kind, path)
    with pytest.raises(WeightsError) as e:
        load_state_dict_checked(path, SMALL, hint="to get it: download it again")
    text = one_line(e.value)
    assert str(path) in text and needle in text and text.endswith("download it again")


def test_sha256_prefix_is_checked(tmp_path):
    path = tmp_path / "weights.pth"
    torch.save(small_state(), path)
    digest = sha256_of(path)
    assert set(load_state_dict_checked(path, SMALL, digest[:8])) == set(SMALL)
    wrong = "0" * 8 if not digest.startswith("0" * 8) else "f" * 8
    with pytest.raises(WeightsError) as e:
        load_state_dict_checked(path, SMALL, wrong)
    text = one_line(e.value)
    assert str(path) in text and wrong in text and digest[:8] in text


def test_legacy_serialization_loads(tmp_path):
    # the released files predate PyTorch's zip format (1.6); weights_only loading must read them too
    path = tmp_path / "legacy.pth"
    state = small_state()
    torch.save(state, path, _use_new_zipfile_serialization=False)
    got = load_state_dict_checked(path, SMALL)
    assert all(torch.equal(got[k], state[k]) for k in SMALL)


def test_optional_and_ignored_keys(tmp_path):
    path = tmp_path / "weights.pth"
    state = small_state()
    del state["bn.num_batches_tracked"]
    state["classifier.0.weight"] = torch.zeros(4)
    torch.save(state, path)
    got = load_state_dict_checked(path, SMALL, optional=("*.num_batches_tracked",), ignore=("classifier.*",))
    assert set(got) == {"a.weight", "a.bias"}
    with pytest.raises(WeightsError, match="missing key 'bn.num_batches_tracked'"):
        load_state_dict_checked(path, SMALL, ignore=("classifier.*",))
