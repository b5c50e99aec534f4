"""Writes model.safetensors, model_bf16.safetensors and model.json for package checkpoint's
tests: a small classifier (Embedding(40, 8) -> 2-layer LSTM(8, 12, batch_first, dropout 0.3)
-> the last layer's final hidden state -> Linear(12, 5)) saved by PyTorch 1.13 in the
safetensors layout, and its outputs in evaluation mode, which godl must reproduce after
LoadModel. Run from the repository root through the PyTorch wrapper:

    ../shared/tools/pytorch checkpoint/testdata/gen_checkpoint.py

PyTorch 1.13 has no safetensors package; the layout is written by hand as in
safetensors/testdata/gen_safetensors.py. model_bf16.safetensors holds the same weights rounded
to bfloat16, and "logits_bf16" the outputs of the model with those weights in float32.

model.json: {"torch_version", "ids": {"shape", "data"}, "logits": {...}, "logits_bf16": {...}}.
"""

import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = {torch.float32: "F32", torch.bfloat16: "BF16"}


def save(path, tensors, metadata):
    names = sorted(tensors, key=lambda n: (-tensors[n].element_size(), n))
    header, off = {}, 0
    for n in names:
        t = tensors[n]
        nb = t.numel() * t.element_size()
        header[n] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + nb]}
        off += nb
    header["__metadata__"] = metadata
    hb = json.dumps(header).encode()
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for n in names:
            t = tensors[n].contiguous()
            f.write((t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes())


class Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(40, 8)
        self.lstm = torch.nn.LSTM(8, 12, num_layers=2, batch_first=True, dropout=0.3)
        self.fc = torch.nn.Linear(12, 5)

    def forward(self, ids):
        _, (h, _) = self.lstm(self.embedding(ids))
        return self.fc(h[-1])


def enc(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


torch.manual_seed(5)
m = Classifier().eval()
ids = torch.randint(0, 40, (6, 7), generator=torch.Generator().manual_seed(6))
with torch.no_grad():
    logits = m(ids)
    sd = {k: v.detach() for k, v in m.state_dict().items()}
    save(os.path.join(HERE, "model.safetensors"), sd, {"format": "pt"})
    save(os.path.join(HERE, "model_bf16.safetensors"), {k: v.to(torch.bfloat16) for k, v in sd.items()}, {"format": "pt"})
    m.load_state_dict({k: v.to(torch.bfloat16).float() for k, v in sd.items()})
    logits_bf16 = m(ids)
with open(os.path.join(HERE, "model.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "ids": enc(ids), "logits": enc(logits), "logits_bf16": enc(logits_bf16)}, f)
print("wrote model.safetensors, model_bf16.safetensors and model.json")
