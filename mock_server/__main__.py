"""`python -m mock_server serve ...`."""

import sys

from mock_server.cli.main import main

sys.exit(main())
