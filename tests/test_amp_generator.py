"""--amp bf16 for inference (amp_generator): G's own weights, fp32 images close to fp32 G's, and the commands."""

import subprocess
import sys

import pytest
import torch

from stylegan_edu import cli_ckpt, pretrained
from stylegan_edu.amp_generator import AMP_MODES, AmpGenerator, amp_generator


@pytest.fixture
def G():
    return pretrained.load("toyfaces-64", device="cpu")  # trained: its images are what bf16 should keep


def test_none_is_g_itself_and_bad_modes_are_refused(G):
    assert cli_ckpt.AMP_MODES == AMP_MODES  # spelt out there so that --help does not import torch
    assert amp_generator(G, "none") is G
    with pytest.raises(ValueError, match="amp must be one of none, bf16"):
        amp_generator(G, "fp16")


def test_bf16_images_are_float32_and_close_to_fp32(G):
    z = torch.randn(4, G.cfg.latent_size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref = G(z, truncation_psi=0.7, noise_mode="const")
        Gb = amp_generator(G, "bf16")
        assert isinstance(Gb, AmpGenerator) and Gb.w_avg is G.w_avg
        assert {id(p) for p in Gb.parameters()} == {id(p) for p in G.parameters()}  # shared, not copied
        got = Gb(z, truncation_psi=0.7, noise_mode="const")
        ws = Gb.mapping(z)  # mix and PPL call the two networks directly: those run in bf16 too
    assert got.dtype == torch.float32 and ws.dtype == torch.float32
    # bf16 did compute it (measured: mean 0.0045, i.e. 0.6 of an 8-bit level; a few pixels up to 0.3)
    diff = (got - ref).abs()
    assert 0 < diff.mean() < 0.01 and diff.max() < 0.6


def test_generate_and_mix_take_amp(tmp_path):
    for cmd in (["generate", "--seeds", "0-1"], ["mix", "--rows", "1", "--cols", "2"]):
        out = tmp_path / f"{cmd[0]}.png"
        r = subprocess.run([sys.executable, "-m", "stylegan_edu", *cmd, "--ckpt", "toyfaces-64", "--device", "cpu",
                            "--amp", "bf16", "--out", str(out)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert out.is_file()
