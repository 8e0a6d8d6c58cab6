import sys
from pathlib import Path

# Imported up front: hypothesis's pytest plugin otherwise imports it at the end of the run,
# where CPython 3.11.7 can fail with "AST constructor recursion depth mismatch" (gh-106905).
import hypothesis  # noqa: F401

sys.path.insert(0, str(Path(__file__).parent))
