import sys
from pathlib import Path

# Tests import the project's modules (ipsdash, tests.builders) from the repository root.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
