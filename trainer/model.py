"""A GPT decoder as Megatron-LM builds its modern ones: pre-norm, rotary, SwiGLU.

    python -m trainer.model 125M      # parameters and FLOPs per token of a preset

Embedding → num_layers × [x + attn(norm(x)); x + mlp(norm(x))] → norm → output layer
(tied to the embedding unless untie_embeddings_and_output_weights). Attention is causal
through F.scaled_dot_product_attention (flash or memory-efficient kernels on GPU), with
rotary position embeddings on queries and keys, so there is no position table. Weights
start normal(0, init_method_std); the projections into the residual stream are scaled by
1/sqrt(2 · num_layers) (Megatron-LM's scaled_init_method), which keeps the residual's
variance from growing with depth.
"""

from __future__ import annotations

import math
import sys

import torch
import torch.nn.functional as F
from torch import nn

from leam.trainer.config import PRESETS, TrainConfig, load_config


class RMSNorm(nn.Module):
    """x / rms(x) · g: LayerNorm without centring or bias (cheaper, as stable)."""

    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        norm = x.float() * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + self.eps)
        return norm.type_as(x) * self.weight


def make_norm(cfg: TrainConfig) -> nn.Module:
    if cfg.normalization == "LayerNorm":
        return nn.LayerNorm(cfg.hidden_size, eps=cfg.norm_epsilon)
    return RMSNorm(cfg.hidden_size, cfg.norm_epsilon)


def rotary_tables(seq_length: int, head_dim: int, base: int) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of position · base^(-2i/d): each (T, head_dim / 2)."""
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(seq_length, dtype=torch.float32), inv_freq)
    return angles.cos(), angles.sin()


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotates pairs (first half, second half) of each head's channels by the position's
    angles (the "rotate half" layout of GPT-NeoX and Megatron-LM)."""
    x1, x2 = x.float().chunk(2, dim=-1)  # (B, H, T, hd/2) each
    cos, sin = cos[None, None], sin[None, None]  # (1, 1, T, hd/2)
    return torch.cat((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).type_as(x)


class Attention(nn.Module):
    def __init__(self, cfg: TrainConfig) -> None:
        super().__init__()
        self.heads = cfg.num_attention_heads
        self.qkv = nn.Linear(cfg.hidden_size, 3 * cfg.hidden_size, bias=False)
        self.proj = nn.Linear(cfg.hidden_size, cfg.hidden_size, bias=False)
        self.dropout = cfg.attention_dropout

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)  # (B, T, C) each
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)  # (B, H, T, hd)
        y = F.scaled_dot_product_attention(
            q, k, v, is_causal=True, dropout_p=self.dropout if self.training else 0.0
        )  # (B, H, T, hd)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))  # (B, T, C)


class SwiGLU(nn.Module):
    """down(silu(gate(x)) · up(x)) (Shazeer 2020): gate and up in one matrix."""

    def __init__(self, cfg: TrainConfig) -> None:
        super().__init__()
        self.fc1 = nn.Linear(cfg.hidden_size, 2 * cfg.ffn_size, bias=False)
        self.fc2 = nn.Linear(cfg.ffn_size, cfg.hidden_size, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, up = self.fc1(x).chunk(2, dim=-1)  # (B, T, F) each
        return self.fc2(F.silu(gate) * up)  # (B, T, C)


class Block(nn.Module):
    def __init__(self, cfg: TrainConfig) -> None:
        super().__init__()
        self.norm1, self.attn = make_norm(cfg), Attention(cfg)
        self.norm2, self.mlp = make_norm(cfg), SwiGLU(cfg)
        self.dropout = nn.Dropout(cfg.hidden_dropout)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        x = x + self.dropout(self.attn(self.norm1(x), cos, sin))
        return x + self.dropout(self.mlp(self.norm2(x)))  # (B, T, C)


class GPT(nn.Module):
    def __init__(self, cfg: TrainConfig, vocab_size: int) -> None:
        super().__init__()
        self.cfg, self.vocab_size = cfg, vocab_size
        self.embedding = nn.Embedding(vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.num_layers))
        self.final_norm = make_norm(cfg)
        self.output = nn.Linear(cfg.hidden_size, vocab_size, bias=False)
        if not cfg.untie_embeddings_and_output_weights:
            self.output.weight = self.embedding.weight
        head_dim = cfg.hidden_size // cfg.num_attention_heads
        cos, sin = rotary_tables(cfg.seq_length, head_dim, cfg.rotary_base)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        self.apply(self._init)
        scaled = cfg.init_method_std / math.sqrt(2 * cfg.num_layers)
        for name, p in self.named_parameters():
            if name.endswith(("attn.proj.weight", "mlp.fc2.weight")):
                nn.init.normal_(p, 0.0, scaled)

    def _init(self, module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, 0.0, self.cfg.init_method_std)

    def forward(self, tokens: torch.Tensor, targets: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (B, T, V), or the mean cross-entropy over every position with targets."""
        T = tokens.shape[1]
        x = self.embedding(tokens)  # (B, T, C)
        for layer in self.layers:
            x = layer(x, self.cos[:T], self.sin[:T])
        logits = self.output(self.final_norm(x))  # (B, T, V)
        if targets is None:
            return logits
        return F.cross_entropy(logits.float().view(-1, self.vocab_size), targets.reshape(-1))


def num_parameters(model: nn.Module) -> int:
    """Unique parameters (a tied output layer counts once)."""
    return sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())


def flops_per_token(cfg: TrainConfig, vocab_size: int) -> float:
    """Training FLOPs per token: 6 per weight (forward 2, backward 4), plus attention's
    scores and weighted sum, 6 · 2 · layers · seq · hidden (the PaLM appendix B count)."""
    h, f, L = cfg.hidden_size, cfg.ffn_size, cfg.num_layers
    matmul_weights = L * (4 * h * h + 3 * h * f) + vocab_size * h  # output layer, not embedding
    return 6.0 * matmul_weights + 12.0 * L * cfg.seq_length * h


if __name__ == "__main__":
    preset = sys.argv[1] if len(sys.argv) > 1 else "tiny"
    config = load_config(preset)
    vocab = 65_536
    gpt = GPT(config, vocab)
    gflop = flops_per_token(config, vocab) / 1e9
    print(f"{preset} ({', '.join(PRESETS)}): {num_parameters(gpt) / 1e6:.1f}M parameters with "
          f"a {vocab}-token vocabulary, {gflop:.2f} GFLOP/token")  # fmt: skip
