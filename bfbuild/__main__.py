import sys

from bfbuild.client import main

sys.exit(main())
