# -*- Python -*-
# lit configuration for ckpt-migrate.
import os
import subprocess

import lit.formats
import lit.util

config.name = "ckpt-migrate"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test", ".ckir"]
config.excludes = ["Inputs", "consumer"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.ckpt_obj_root, "test")

# Tools first: ours, then LLVM 19's FileCheck/not/count/split-file.
path = os.pathsep.join([config.ckpt_tools_dir, config.llvm_tools_dir,
                        config.environment.get("PATH", os.environ.get("PATH", ""))])
config.environment["PATH"] = path
config.environment["PYTHONDONTWRITEBYTECODE"] = "1"
# An ASan+UBSan build (.ci/run's second pass): the sanitizer runtimes need
# terabytes of address space, so make_hostile.py's memory limit is lifted
# there (the Release run enforces it) and its CPU limit widened.
if getattr(config, "sanitized", False):
    config.available_features.add("sanitizers")
    config.environment["CKPT_SANITIZED"] = "1"
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        if var in os.environ:
            config.environment[var] = os.environ[var]

# The libraries to preload to pretend the CPU's signal frame is small.
config.substitutions.append(("%small_signal_frame_preload",
                             config.signal_frame_preload))

inputs = os.path.join(config.test_source_root, "Inputs")
config.substitutions.append(("%inputs", inputs))
config.substitutions.append(("%python", config.python_torch))
config.substitutions.append(("%gen", "%s %s" % (config.python_torch, os.path.join(inputs, "gen_fixtures.py"))))
config.substitutions.append(("%torchdesc", "%s %s" % (config.python_torch, os.path.join(inputs, "torch_describe.py"))))
config.substitutions.append(("%corpus", config.corpus_dir))
config.substitutions.append(("%plugins", config.ckpt_lib_dir))
config.substitutions.append(("%build_root", config.ckpt_obj_root))
config.substitutions.append(("%src_root", config.ckpt_src_root))

# Features: torch (the real consumer), corpus (../shared/corpus present).
def _has_torch():
    try:
        out = subprocess.run([config.python_torch, "-c", "import torch, xxhash"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        return out.returncode == 0
    except Exception:
        return False

if _has_torch():
    config.available_features.add("torch")
if getattr(config, "have_libtorch", False):
    config.available_features.add("libtorch")
# torch26: the real torch 2.6 (with safetensors, numpy 2, omegaconf) in the
# Debian 13 chroot that utils/setup-torch26.sh makes; %torch26 runs its
# python3 on the host's files (utils/torch26-python binds the source and
# build trees into it).
torch26 = os.path.join(config.ckpt_src_root, "utils", "torch26-python")
config.environment["CKPT_TORCH26_BIND"] = os.pathsep.join(
    [config.ckpt_src_root, config.ckpt_obj_root])
for var in ("CKPT_TORCH26_ROOT",):
    if var in os.environ:
        config.environment[var] = os.environ[var]
config.substitutions.append(("%torch26", torch26))
# First: %gen and %torch26 would otherwise match their prefixes.
config.substitutions.insert(0, ("%gen26", "%s %s" % (torch26, os.path.join(inputs, "gen_fixtures26.py"))))
config.substitutions.insert(0, ("%check26", "%s %s" % (torch26, os.path.join(inputs, "check26.py"))))

def _has_torch26():
    try:
        env = dict(os.environ, **{k: config.environment[k] for k in ("CKPT_TORCH26_BIND",)})
        out = subprocess.run([torch26, "-c", "import torch, safetensors, omegaconf; assert torch.__version__ >= '2.6'"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300,
                             env=env, cwd=config.ckpt_src_root)
        return out.returncode == 0
    except Exception:
        return False

if _has_torch26():
    config.available_features.add("torch26")
if os.path.isdir(config.corpus_dir) and os.path.exists(os.path.join(config.corpus_dir, "MANIFEST.tsv")):
    config.available_features.add("corpus")
