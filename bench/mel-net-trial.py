#!/usr/bin/env python3
"""Trials: does a parallel mel "rhythm" net (Barry & Kim 2017), or nets that read log1p(power / mean power) (Cifka et
al. 2021), move the held-out style gain / content correlation frontier? Our recipe approximated in PyTorch: EQ-matched
start, rounds of L-BFGS with a new linear net each round (kernel 7, 4096 filters), Griffin-Lim and re-analysis between
rounds; optionally a second net over a 128-band mel projection of the spectrogram with a wide kernel, its Gram loss
weighted to `--mel-weight` times the linear one at the start of each round; optionally (`--input power-mean`) the nets
reading the level-free input. Run through bench/mel-net-trial.ts, which judges the outputs.
Usage: python3 bench/mel-net-trial.py CONTENT STYLE OUT [--content-weight W] [--mel-weight R] [--mel-kernel K] ...
"""
import argparse
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import read_wav, write_wav  # noqa: E402


def mel_matrix(sr, n_fft, bands):
    """Triangular mel filters (HTK mel scale), bands x bins, each row summing to 1."""
    bins = n_fft // 2 + 1
    freqs = np.linspace(0, sr / 2, bins)
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    hz = lambda m: 700 * (10 ** (m / 2595) - 1)  # noqa: E731
    edges = hz(np.linspace(mel(30), mel(sr / 2), bands + 2))
    m = np.zeros((bands, bins), dtype=np.float32)
    for b in range(bands):
        lo, mid, hi = edges[b], edges[b + 1], edges[b + 2]
        up = (freqs - lo) / (mid - lo)
        down = (hi - freqs) / (hi - mid)
        m[b] = np.maximum(0, np.minimum(up, down))
        if m[b].sum() == 0:  # narrower than a bin: the nearest bin
            m[b, np.argmin(np.abs(freqs - mid))] = 1
        m[b] /= m[b].sum()
    return torch.from_numpy(m)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("content")
    p.add_argument("style")
    p.add_argument("output")
    p.add_argument("--filters", type=int, default=4096)
    p.add_argument("--kernel", type=int, default=7)
    p.add_argument("--content-weight", type=float, default=0.0)
    p.add_argument("--mel-weight", type=float, default=0.0)
    p.add_argument("--mel-filters", type=int, default=1024)
    p.add_argument("--mel-kernel", type=int, default=31)
    p.add_argument("--mel-bands", type=int, default=128)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--iters", type=int, default=4)
    p.add_argument("--phase-iters", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--input", choices=["log1p", "power-mean"], default="log1p",
                   help="what the nets read: the log1p magnitude, or log1p of the power over its mean (Cifka et al.)")
    a = p.parse_args()
    torch.set_num_threads(2)
    n_fft, hop = 2048, 512
    content, sr = read_wav(a.content)
    style, _ = read_wav(a.style)
    window = torch.hann_window(n_fft)

    def stft(y):
        return torch.stft(y, n_fft, hop, window=window, center=True, pad_mode="constant", return_complex=True)

    def istft(s, length):
        return torch.istft(s, n_fft, hop, window=window, center=True, length=length)

    content_spec = torch.log1p(stft(torch.from_numpy(content)).abs())
    style_spec = torch.log1p(stft(torch.from_numpy(style)).abs())
    C = content_spec.shape[0]
    mel = mel_matrix(sr, n_fft, a.mel_bands)
    ceiling = style_spec.max().item()
    # EQ-matched start: each bin moved to the style's mean log magnitude.
    x_spec = (content_spec + style_spec.mean(1, keepdim=True) - content_spec.mean(1, keepdim=True)).clamp(min=0)
    angles = torch.exp(2j * math.pi * torch.rand(x_spec.shape, generator=torch.Generator().manual_seed(a.seed)))
    n = len(content)

    def griffin_lim(mag_log, angles):
        mag = torch.expm1(mag_log).clamp(min=0)
        rebuilt = torch.zeros_like(angles)
        alpha = 0.99 / 1.99
        for _ in range(a.phase_iters):
            previous = rebuilt
            rebuilt = stft(istft(mag * angles, n))
            angles = rebuilt - alpha * previous
            angles = angles / (angles.abs() + 1e-16)
        return istft(mag * angles, n), angles

    for r in range(a.rounds):
        g = torch.Generator().manual_seed(1000 * a.seed + r)
        std = math.sqrt(2) * math.sqrt(2.0 / ((C + a.filters) * a.kernel))
        w = torch.randn(a.filters, C, a.kernel, generator=g) * std
        mstd = math.sqrt(2) * math.sqrt(2.0 / ((a.mel_bands + a.mel_filters) * a.mel_kernel))
        wm = torch.randn(a.mel_filters, a.mel_bands, a.mel_kernel, generator=g) * mstd

        def net_input(x):
            # x is always the log1p magnitude that is optimised; with power-mean the nets read log1p(P / mean P),
            # P = |X|^2, which no longer depends on the clip's level.
            if a.input == "log1p":
                return x
            # Level-free, these nets let L-BFGS's long steps drive bins far past anything audible (-3140 to 472 in
            # round 1 at speech + drums): the nets read the spectrogram bounded by the style's loudest value.
            power = torch.expm1(x.clamp(min=0, max=ceiling)) ** 2
            return torch.log1p(power / (power.mean() + 1e-8))

        def feats(x):
            return torch.relu(torch.nn.functional.conv1d(net_input(x)[None], w))[0]

        def mel_feats(x):
            return torch.relu(torch.nn.functional.conv1d((mel @ net_input(x))[None], wm))[0]

        def gram(f):
            return f @ f.t() / f.shape[1]

        with torch.no_grad():
            target = gram(feats(style_spec))
            mel_target = gram(mel_feats(style_spec)) if a.mel_weight > 0 else None
            content_f = feats(content_spec)
        x = x_spec.clone().contiguous().requires_grad_(True)
        with torch.no_grad():
            l0 = ((gram(feats(x)) - target) ** 2).sum()
            lam = a.mel_weight * l0 / ((gram(mel_feats(x)) - mel_target) ** 2).sum() if mel_target is not None else 0.0

        def loss_fn():
            f = feats(x)
            loss = ((gram(f) - target) ** 2).sum()
            if a.content_weight > 0:
                # Relative to the style loss at the start, so the weight reads the same on every pair.
                loss = loss + a.content_weight * l0 * ((f - content_f) ** 2).mean() / (content_f ** 2).mean()
            if mel_target is not None:
                loss = loss + lam * ((gram(mel_feats(x)) - mel_target) ** 2).sum()
            return loss

        def closure():
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            return loss

        # First step: no log magnitude moves by more than 0.5 (torch's first step is lr * min(1, 1/|g|_1)).
        x.grad = None
        loss_fn().backward()
        gabs = x.grad.abs()
        lr = 0.5 / (gabs.max().item() * min(1.0, 1.0 / gabs.sum().item()))
        x.grad = None
        opt = torch.optim.LBFGS([x], lr=lr, max_iter=a.iters, max_eval=int(a.iters * 1.25), line_search_fn="strong_wolfe")
        opt.step(closure)
        with torch.no_grad():
            y, angles = griffin_lim(x.detach().clamp(min=0, max=ceiling if a.input == "power-mean" else None), angles)
            if a.input == "power-mean":
                # Nets that read level-free inputs leave the level to drift: hold it at the style's RMS each round.
                y = y * (torch.from_numpy(style).pow(2).mean().sqrt() / y.pow(2).mean().sqrt().clamp(min=1e-12))
            x_spec = torch.log1p(stft(y).abs())
    peak = y.abs().max().item()  # written unclipped as float, as bench/torch_reference.py does
    write_wav(a.output, y.numpy(), sr)
    print(f"{a.output}: peak {peak:.2f}", file=sys.stderr)


if __name__ == "__main__":
    main()
