"""torch.load(path) as an emulated release would run it (map_location=None on
a host with the CUDA devices the file names)."""
import pickle

from . import container
from . import env as env_mod
from . import releases as R
from . import state
from . import weights_only as wo


class OldPickleModule:
    """`pickle_module` of an old release: Python's pickle with the release's
    find_class (C unpickler, as torch used)."""

    def __init__(self, env, encoding):
        self.env = env
        self.encoding = encoding

    def load_first(self, f):
        return env_mod.restricted_load(f, self.env, self.encoding)

    def load(self, f):
        return env_mod.restricted_load(f, self.env, self.encoding)

    def unpickler(self, f, persistent_load):
        return env_mod.ReleaseUnpickler(f, self.env, persistent_load, self.encoding)


class WOPickleModule:
    """torch._weights_only_unpickler of 2.6 (pickle_load_args encoding='utf-8')."""

    encoding = "utf-8"

    def load_first(self, f):
        return wo.Unpickler(f, encoding=self.encoding).load()

    load = load_first

    def unpickler(self, f, persistent_load):
        u = wo.Unpickler(f, encoding=self.encoding)
        u.persistent_load = persistent_load
        return u


def torch_load(release_name, path):
    rel = R.RELEASES[release_name]
    ctx = state.begin(rel)
    with open(path, "rb") as f:
        if rel.weights_only:
            pm = WOPickleModule()
            if container.is_zip_start(f):
                try:
                    return container.zip_load(path, pm, rel), ctx
                except pickle.UnpicklingError as e:
                    raise pickle.UnpicklingError(wo.get_wo_message(str(e))) from None
            try:
                return container.legacy_load(f, path, pm, rel), ctx
            except pickle.UnpicklingError as e:
                raise pickle.UnpicklingError(wo.get_wo_message(str(e))) from None
        env = env_mod.ReleaseEnv(ctx)
        pm = OldPickleModule(env, rel.encoding)
        if rel.zip_mode == "reader" and container.is_zip_start(f):
            return container.zip_load(path, pm, rel), ctx
        return container.legacy_load(f, path, pm, rel), ctx
