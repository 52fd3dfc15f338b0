"""The PyTorch peer of `pnpm bench train`: the Youtu MLA model (SPEC section 1, as HF DeepSeek-V3 computes it:
q/kv low-rank projections with RMSNorm, interleaved RoPE on a shared rope key, SwiGLU, tied head) trained with
the step @agentlm/trainer runs: micro-batches of mean next-token cross-entropy accumulated, global-norm clip,
AdamW with no decay on norms and the embedding. PyTorch eager on the CPU, one intra-op thread per core.

Reads one JSON request on stdin and writes one JSON line on stdout:
  {"mode": "loss", "config": <HF config.json>, "weights": <model.safetensors path>, "ids": [[...T+1 ids], ...]}
    -> {"loss": <mean next-token loss of ids under those weights>}
  {"mode": "train", "config": ..., "rows": R, "seq": T, "micro_batches": M, "steps": S, "warmup": W,
   "threads": N, "lr": ..., "optim": {"beta1", "beta2", "eps", "weight_decay", "clip"}}
    -> {"seconds": [<wall time of each timed step>], "cpu_seconds": [<CPU time of the process, all threads>],
        "tokens_per_step": R*T*M, "torch": <version>}
"""

import json
import math
import struct
import sys
import time

import torch
import torch.nn.functional as F


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, cos, sin):
    """Interleaved RoPE (rope_interleave): pairs (2i, 2i+1) are de-interleaved to halves, then rotated."""
    b, t, h, d = x.shape
    x = x.view(b, t, h, d // 2, 2).transpose(3, 4).reshape(b, t, h, d)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)


class Youtu(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d, h = c["hidden_size"], c["num_attention_heads"]
        dn, dr, dv = c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
        q, kv = c["q_lora_rank"], c["kv_lora_rank"]
        std, estd = c["initializer_range"], c["embedding_initializer_range"]

        def lin(o, i):
            return torch.nn.Parameter(torch.randn(o, i) * std)

        def ones(n):
            return torch.nn.Parameter(torch.ones(n))

        # module names cannot hold dots: the HF names are kept with "/" in their place
        self.p = torch.nn.ParameterDict()
        self.p["model/embed_tokens/weight"] = torch.nn.Parameter(torch.randn(c["vocab_size"], d) * estd)
        for layer in range(c["num_hidden_layers"]):
            pre = f"model.layers.{layer}."
            for name, value in [
                ("input_layernorm.weight", ones(d)),
                ("self_attn.q_a_proj.weight", lin(q, d)),
                ("self_attn.q_a_layernorm.weight", ones(q)),
                ("self_attn.q_b_proj.weight", lin(h * (dn + dr), q)),
                ("self_attn.kv_a_proj_with_mqa.weight", lin(kv + dr, d)),
                ("self_attn.kv_a_layernorm.weight", ones(kv)),
                ("self_attn.kv_b_proj.weight", lin(h * (dn + dv), kv)),
                ("self_attn.o_proj.weight", lin(d, h * dv)),
                ("post_attention_layernorm.weight", ones(d)),
                ("mlp.gate_proj.weight", lin(c["intermediate_size"], d)),
                ("mlp.up_proj.weight", lin(c["intermediate_size"], d)),
                ("mlp.down_proj.weight", lin(d, c["intermediate_size"])),
            ]:
                self.p[(pre + name).replace(".", "/")] = value
        self.p["model/norm/weight"] = ones(d)

    def w(self, name):
        return self.p[name.replace(".", "/")]

    def forward(self, ids, targets):
        c = self.c
        b, t = ids.shape
        h, eps = c["num_attention_heads"], c["rms_norm_eps"]
        dn, dr, dv, kvr = c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"], c["kv_lora_rank"]
        inv = c["rope_theta"] ** (-torch.arange(0, dr, 2, dtype=torch.float32) / dr)
        ang = torch.outer(torch.arange(t, dtype=torch.float32), inv)
        ang = ang.view(1, t, 1, dr // 2)
        cos, sin = ang.cos(), ang.sin()
        mask = torch.full((t, t), float("-inf")).triu(1)
        x = F.embedding(ids, self.w("model.embed_tokens.weight"))
        for layer in range(c["num_hidden_layers"]):
            w = lambda s: self.w(f"model.layers.{layer}.{s}")  # noqa: E731
            a = rms_norm(x, w("input_layernorm.weight"), eps)
            qa = rms_norm(F.linear(a, w("self_attn.q_a_proj.weight")), w("self_attn.q_a_layernorm.weight"), eps)
            q = F.linear(qa, w("self_attn.q_b_proj.weight")).view(b, t, h, dn + dr)
            q_nope, q_pe = q.split([dn, dr], -1)
            ckv, k_pe = F.linear(a, w("self_attn.kv_a_proj_with_mqa.weight")).split([kvr, dr], -1)
            kv = F.linear(rms_norm(ckv, w("self_attn.kv_a_layernorm.weight"), eps), w("self_attn.kv_b_proj.weight"))
            k_nope, v = kv.view(b, t, h, dn + dv).split([dn, dv], -1)
            k_pe = rope(k_pe.view(b, t, 1, dr), cos, sin).expand(b, t, h, dr)
            qq = torch.cat((q_nope, rope(q_pe, cos, sin)), -1).transpose(1, 2)
            kk = torch.cat((k_nope, k_pe), -1).transpose(1, 2)
            scores = qq @ kk.transpose(-1, -2) * (dn + dr) ** -0.5 + mask
            o = (scores.softmax(-1) @ v.transpose(1, 2)).transpose(1, 2).reshape(b, t, h * dv)
            x = x + F.linear(o, w("self_attn.o_proj.weight"))
            m = rms_norm(x, w("post_attention_layernorm.weight"), eps)
            gated = F.silu(F.linear(m, w("mlp.gate_proj.weight"))) * F.linear(m, w("mlp.up_proj.weight"))
            x = x + F.linear(gated, w("mlp.down_proj.weight"))
        logits = F.linear(rms_norm(x, self.w("model.norm.weight"), eps), self.w("model.embed_tokens.weight"))
        return F.cross_entropy(logits.view(b * t, -1), targets.reshape(b * t))


def read_safetensors(path):
    """The f32 tensors of a .safetensors file (8-byte header length, JSON header, raw little-endian data)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {info['dtype']}, this script reads F32 only")
        start, end = info["data_offsets"]
        data = bytearray(blob[8 + n + start : 8 + n + end])
        out[name] = torch.frombuffer(data, dtype=torch.float32).view(info["shape"]).clone()
    return out


def shifted(ids):
    t = torch.tensor(ids, dtype=torch.long)
    return t[:, :-1], t[:, 1:]


def train(model, req):
    o = req["optim"]
    # as the trainer's default: linear weights decay, norms and the (tied) embedding do not
    decay = [p for p in model.p.values() if p.dim() == 2 and p.shape[0] != req["config"]["vocab_size"]]
    keep = [p for p in model.p.values() if not (p.dim() == 2 and p.shape[0] != req["config"]["vocab_size"])]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": o["weight_decay"]}, {"params": keep, "weight_decay": 0.0}],
        lr=req["lr"],
        betas=(o["beta1"], o["beta2"]),
        eps=o["eps"],
    )
    rows, seq, micro, vocab = req["rows"], req["seq"], req["micro_batches"], req["config"]["vocab_size"]
    gen = torch.Generator().manual_seed(1)

    def step():
        for _ in range(micro):
            ids, targets = shifted(torch.randint(0, vocab, (rows, seq + 1), generator=gen).tolist())
            (model(ids, targets) / micro).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), o["clip"])
        opt.step()
        opt.zero_grad(set_to_none=True)

    for _ in range(req["warmup"]):
        step()
    seconds, cpu_seconds = [], []
    for _ in range(req["steps"]):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        seconds.append(time.perf_counter() - t0)
        cpu_seconds.append(time.process_time() - c0)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "tokens_per_step": rows * seq * micro,
        "torch": torch.__version__,
    }


def main():
    req = json.load(sys.stdin)
    torch.manual_seed(req.get("seed", 1))
    torch.set_num_threads(req.get("threads", 1))
    model = Youtu(req["config"])
    if req["mode"] == "loss":
        for name, value in read_safetensors(req["weights"]).items():
            model.w(name).data.copy_(value)
        with torch.no_grad():
            loss = model(*shifted(req["ids"])).item()
        result = {"loss": loss}
    else:
        result = train(model, req)
    if not all(math.isfinite(x) for x in result.get("seconds", [result.get("loss", 0.0)])):
        raise SystemExit("non-finite result")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
