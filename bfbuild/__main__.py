import sys

from bfbuild.cli import main

sys.exit(main())
