import sys

from ipsdash.cli import main

sys.exit(main())
