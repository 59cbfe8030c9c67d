#!/usr/bin/env python3
"""The same audio style transfer written as a PyTorch user would write it (autograd), for side-by-side benchmarks.

STFT log1p magnitude -> one random Conv1d (no bias, ReLU) -> Gram matrix style loss (+ content loss) -> optimise the
spectrogram -> fast Griffin-Lim (momentum 0.99) -> WAV. Settings follow the reference implementations in
ALGORITHM.md: Ulyanov & Lebedev's loss scaling (sum((G - A)^2), Gram / T, alpha * sum((F - P)^2)).

Runs on Debian's python3-torch (CPU):  apt-get install -y python3-torch python3-numpy
On a CUDA build of PyTorch, --device cuda runs the same graph on the GPU (bench/gpu.sh); the random weights and phase
are drawn on the CPU either way, so both devices start from the same net.
Usage: python3 torch_reference.py CONTENT.wav STYLE.wav OUT.wav [--optimizer lbfgs|adam] [--steps N] ...
Prints one JSON line with timings (median ms per loss+gradient step, stage times) and peak RSS.
"""
import argparse
import json
import math
import resource
import struct
import time
import wave

import numpy as np
import torch


def read_wav(path):
    """16-bit PCM WAV -> mono float32 samples and the sample rate (the bench's inputs are written as such)."""
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise SystemExit(f"{path}: only 16-bit PCM is read here")
        rate, channels = w.getframerate(), w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    return data.reshape(-1, channels).mean(axis=1), rate


def write_wav(path, samples, rate):
    """32-bit float WAV, unclipped (as soundfile would write it), so the PyTorch output loses nothing to clipping."""
    data = np.asarray(samples, dtype="<f4").tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 3, 1, rate, rate * 4, 4, 32)
    with open(path, "wb") as f:
        f.write(header + b"data" + struct.pack("<I", len(data)) + data)


def gpu_memory(device):
    """Peak GPU memory PyTorch allocated, when on CUDA."""
    return {"peakGpuMb": torch.cuda.max_memory_allocated() / 2**20} if device.type == "cuda" else {}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("content")
    p.add_argument("style")
    p.add_argument("output")
    p.add_argument("--n-fft", type=int, default=2048)
    p.add_argument("--hop", type=int, default=512)
    p.add_argument("--filters", type=int, default=4096)
    p.add_argument("--kernel", type=int, default=11)
    p.add_argument("--optimizer", choices=["lbfgs", "adam"], default="lbfgs")
    p.add_argument("--steps", type=int, default=300, help="L-BFGS iterations or Adam steps")
    p.add_argument("--lr", type=float, default=0.03)
    p.add_argument("--content-weight", type=float, default=0.0)
    p.add_argument("--phase-iters", type=int, default=500)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="torch device: cpu, or cuda on a CUDA build")
    p.add_argument("--save-spec", default="", help="also write the optimised log1p magnitude: raw float32, bins x frames, row-major")
    p.add_argument("--time-steps", type=int, default=0, help="only time this many loss+gradient steps, no output")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    t_start = time.perf_counter()

    content, sr = read_wav(a.content)
    style, sr_style = read_wav(a.style)
    if sr_style != sr:
        raise SystemExit("content and style must share a sample rate here")
    device = torch.device(a.device)
    window = torch.hann_window(a.n_fft).to(device)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def stft(x):
        return torch.stft(x, a.n_fft, a.hop, window=window, center=True, pad_mode="constant", return_complex=True)

    content_t = torch.from_numpy(content).to(device)
    content_spec = torch.log1p(stft(content_t).abs())[None]  # 1 x C x T
    style_spec = torch.log1p(stft(torch.from_numpy(style).to(device)).abs())[None]
    C = content_spec.shape[1]
    std = math.sqrt(2) * math.sqrt(2.0 / ((C + a.filters) * a.kernel))
    weight = (torch.randn(a.filters, C, a.kernel) * std).to(device)

    def features(x):
        return torch.relu(torch.nn.functional.conv1d(x, weight))[0]  # N x T'

    def gram(f):
        return f @ f.t() / f.shape[1]

    with torch.no_grad():
        style_gram = gram(features(style_spec))
        content_features = features(content_spec) if a.content_weight > 0 else None
    sync()
    t_analyse = time.perf_counter()

    x = content_spec.clone().contiguous().requires_grad_(True)

    def loss_fn():
        f = features(x)
        loss = ((gram(f) - style_gram) ** 2).sum()
        if content_features is not None:
            loss = loss + a.content_weight * ((f - content_features) ** 2).sum()
        return loss

    step_times = []

    def closure():
        optimizer.zero_grad()
        t0 = time.perf_counter()
        loss = loss_fn()
        loss.backward()
        sync()
        step_times.append(time.perf_counter() - t0)
        return loss

    if a.time_steps:
        optimizer = torch.optim.SGD([x], lr=0.0)
        for _ in range(a.time_steps):
            closure()
        print(json.dumps({"stepMsMedian": 1000 * float(np.median(step_times)), "steps": len(step_times),
                          "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **gpu_memory(device)}))
        return

    if a.optimizer == "lbfgs":
        optimizer = torch.optim.LBFGS([x], max_iter=a.steps, line_search_fn="strong_wolfe")
        optimizer.step(closure)
    else:
        optimizer = torch.optim.Adam([x], lr=a.lr)
        for _ in range(a.steps):
            closure()
            optimizer.step()
    sync()
    t_optimise = time.perf_counter()
    if a.save_spec:
        x.detach()[0].cpu().numpy().astype(np.float32).tofile(a.save_spec)

    # Fast Griffin-Lim (Perraudin et al.), as librosa.griffinlim with momentum 0.99, from random phase.
    with torch.no_grad():
        mag = torch.clamp(torch.expm1(x.detach()[0]), min=0)
        angles = torch.exp(2j * math.pi * torch.rand(mag.shape)).to(device)
        rebuilt = torch.zeros_like(angles)
        alpha = 0.99 / 1.99
        for _ in range(a.phase_iters):
            previous = rebuilt
            y = torch.istft(mag * angles, a.n_fft, a.hop, window=window, center=True, length=len(content))
            rebuilt = stft(y)
            angles = rebuilt - alpha * previous
            angles = angles / (angles.abs() + 1e-16)
        y = torch.istft(mag * angles, a.n_fft, a.hop, window=window, center=True, length=len(content)).cpu().numpy()
    t_phase = time.perf_counter()
    write_wav(a.output, y, sr)
    t_end = time.perf_counter()
    print(json.dumps({
        "stepMsMedian": 1000 * float(np.median(step_times)),
        "evaluations": len(step_times),
        "finalLoss": float(loss_fn().item()),
        "peak": float(np.abs(y).max()),
        "timingsMs": {
            "analyse": 1000 * (t_analyse - t_start),
            "optimise": 1000 * (t_optimise - t_analyse),
            "phase": 1000 * (t_phase - t_optimise),
            "total": 1000 * (t_end - t_start),
        },
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **gpu_memory(device),
    }))


if __name__ == "__main__":
    main()
