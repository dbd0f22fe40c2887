"""`stylegan-edu convert`: an official StyleGAN v1 pickle -> a stylegan-edu generator file."""

from __future__ import annotations

from pathlib import Path


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "convert", help="convert NVIDIA's original StyleGAN v1 .pkl (TensorFlow) to a stylegan-edu .pt",
        description="Read an official StyleGAN v1 pickle (e.g. karras2019stylegan-ffhq-1024x1024.pkl) without "
                    "TensorFlow and without running anything in it, map every variable of G, D and Gs to "
                    "stylegan-edu's parameters, and write Gs as a generator file that generate, mix, metrics and "
                    "stylegan_edu.pretrained.load read. Where the originals are published: README.md, section "
                    "\"Using NVIDIA's original models\".")
    p.add_argument("pkl", metavar="ORIGINAL.pkl", help="the official pickle (a tuple G, D, Gs)")
    p.add_argument("--out", metavar="NAME.pt", default=None,
                   help="where to write (default: the cache folder, ~/.cache/stylegan_edu/pretrained/"
                        "<name of the pickle>.pt, where stylegan_edu.pretrained.find_ffhq looks)")
    p.add_argument("--name", default=None, help="config name stored in the file (default: the pickle's name)")
    p.add_argument("--with-d", action="store_true",
                   help="also keep the discriminator D and the instantaneous generator G (keys 'D', 'G')")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from stylegan_edu.convert import ConvertError, convert_file
    from stylegan_edu.errors import UsageError
    from stylegan_edu.info import count_params
    from stylegan_edu.pretrained import cache_dir, load_generator

    src = Path(args.pkl)
    out = Path(args.out) if args.out else cache_dir() / f"{src.stem}.pt"
    if out.resolve() == src.resolve():
        raise UsageError(f"--out {out} would overwrite the original file")
    try:
        path = convert_file(src, out, name=args.name, with_discriminator=args.with_d)
    except ConvertError as e:
        raise UsageError(str(e)) from None
    G = load_generator(path)
    c = G.cfg
    print(f"{path}: {c.resolution}x{c.resolution}, {c.num_layers} style layers, generator "
          f"{count_params(G):,} parameters (mapping {count_params(G.mapping):,}, synthesis "
          f"{count_params(G.synthesis):,}); truncation psi {c.truncation_psi:g} on layers < {c.truncation_cutoff}")
    return 0
