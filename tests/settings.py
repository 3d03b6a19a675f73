"""The site's settings as the tests run them: production's, with the development opt-ins.

Production defaults are strict (SECRET_KEY required, HTTPS only, collected static files, JSON
logs). The test client and the browser tests' live server speak plain HTTP on this machine
and serve static files from the source folders, as `make run` does, so they opt in here, in
the environment, which the tests' worker processes inherit. Tests of the production defaults
start a process with a clean environment of their own (tests/web/test_production.py).
"""

import os

DEVELOPMENT = {
    "GENERATE_SECRET_KEY": "1",
    "SECURE_COOKIES": "0",
    "SECURE_SSL_REDIRECT": "0",
    "STATIC_MANIFEST": "0",
    "LOG_FORMAT": "text",
}
for _name, _value in DEVELOPMENT.items():
    os.environ.setdefault(_name, _value)

from config.settings import *  # noqa: E402, F403
