import sys

from measurements.cli import main

sys.exit(main())
