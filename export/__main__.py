import sys

from latentwalk.export.cli import main

sys.exit(main())
