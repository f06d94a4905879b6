import sys

from latentwalk.cli import main

sys.exit(main())
