"""The site's settings with a mail backend that stalls (a worker to kill)."""

from config.settings import *  # noqa: F403
from config.settings import MAILERS

MAILERS = {
    "default": {
        "BACKEND": "tests.accounts.mail_backends.StallingBackend",
        "OPTIONS": MAILERS["default"]["OPTIONS"],
    }
}
