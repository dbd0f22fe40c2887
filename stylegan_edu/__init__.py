"""stylegan_edu: a faithful, readable PyTorch StyleGAN v1 for learning."""

__version__ = "0.1.0"
