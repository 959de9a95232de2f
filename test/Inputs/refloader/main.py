#!/usr/bin/python3
"""Script entry point: test/Inputs/refloader/main.py --release R FILE ..."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from refloader.cli import main  # noqa: E402

sys.exit(main())
