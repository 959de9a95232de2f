# -*- Python -*-
# lit configuration running the GoogleTest unit tests of ckpt-migrate.
import os
import lit.formats

config.name = "ckpt-migrate-unit"
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.test_source_root = os.path.join(config.ckpt_obj_root, "unittests", "bin")
config.test_exec_root = config.test_source_root
