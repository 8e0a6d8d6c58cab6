import os
import sys
from pathlib import Path

# Imported up front: hypothesis's pytest plugin otherwise imports it at the end of the run,
# where CPython 3.11.7 can fail with "AST constructor recursion depth mismatch" (gh-106905).
import hypothesis

sys.path.insert(0, str(Path(__file__).parent))

# In CI the property and fuzz tests draw the same examples every run, so a red build always
# reproduces; locally they explore anew (and CORRIDOR_EXAMPLES / CORRIDOR_FUZZ run more).
hypothesis.settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis.settings.load_profile("ci")
