"""Model classes used by gen_fixtures.py.

Whole-module pickles (torch.save(model)) name these classes as
`fixture_models.<Class>`, so this file must be importable (test/Inputs on
sys.path) when real torch loads such a fixture (torch_describe.py does that).
Keep the class names and attribute layout stable: test expectations depend
on them.
"""
import torch
import torch.nn as nn


class SmallNet(nn.Module):
    """Linear + BatchNorm1d + a registered buffer + a tied weight.

    `enc` and `dec` share one Parameter (dec.weight is enc.weight), so the
    pickle references the same storage from two modules.
    """

    def __init__(self, n=4, hidden=4):
        super().__init__()
        self.enc = nn.Linear(n, hidden)
        self.bn = nn.BatchNorm1d(hidden)
        self.dec = nn.Linear(hidden, n, bias=False)
        self.dec.weight = self.enc.weight  # tied (square: n == hidden)
        self.register_buffer("scale", torch.tensor([0.5, 2.0, 1.5, 1.0]))
        self.act = nn.ReLU()
        self.note = "fixture"

    def forward(self, x):
        return self.dec(self.act(self.bn(self.enc(x)))) * self.scale


class SmallCNN(nn.Module):
    """Conv2d, BatchNorm2d, ReLU, Linear, BatchNorm1d (state_dict fixtures)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3)
        self.bn2d = nn.BatchNorm2d(3)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(3 * 2 * 2, 5)
        self.bn1d = nn.BatchNorm1d(5)

    def forward(self, x):
        x = self.relu(self.bn2d(self.conv(x)))
        return self.bn1d(self.fc(x.flatten(1)))


class TiedLM(nn.Module):
    """Embedding + decoder with tied weights (decoder.weight is embed.weight)."""

    def __init__(self, vocab=7, dim=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.proj = nn.Linear(dim, dim)
        self.decoder = nn.Linear(dim, vocab)
        self.decoder.weight = self.embed.weight

    def forward(self, idx):
        return self.decoder(self.proj(self.embed(idx)))


class SeqNet(nn.Module):
    """Embedding + LSTM: a whole pickled RNN keeps `_flat_weights`, a list of
    the same Parameter objects that `_parameters` holds."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(5, 3)
        self.lstm = nn.LSTM(3, 2, num_layers=1)
        self.head = nn.Linear(2, 1)

    def forward(self, idx):
        out, _ = self.lstm(self.embed(idx))
        return self.head(out)


class TaggedTensor(torch.Tensor):
    """A torch.Tensor subclass: pickled via torch._tensor._rebuild_from_type_v2
    with the instance __dict__ as state (a REDUCE argument)."""


class AttrDict(dict):
    """dict subclass with instance attributes (SETITEMS, then BUILD)."""


class TensorList(list):
    """list subclass with instance attributes (APPENDS, then BUILD)."""


class Holder:
    """Plain object; its __dict__ is pickled as BUILD state."""

    def __init__(self, **kw):
        self.__dict__.update(kw)
