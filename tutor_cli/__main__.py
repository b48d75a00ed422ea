"""`python -m tutor_cli ...`: the same as `tutor ...`."""

import sys

from tutor_cli.cli import main

sys.exit(main())
