import sys

from latentwalk.train.cli import main

sys.exit(main())
