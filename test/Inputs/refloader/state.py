"""The current load context (one emulated torch.load per process)."""
from .context import EmulatorLimit, ReleaseRejection, LoadContext  # noqa: F401

CTX = None


def begin(release):
    global CTX
    CTX = LoadContext(release)
    return CTX
