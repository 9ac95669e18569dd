"""What a client said it is, as a user sees it in their list of sessions.

The User-Agent header is the client's to choose: it is kept short and printable, so
that it cannot fill the token table or carry control characters into a screen or a log.
"""

import re

from starlette.requests import Request

MAX_CLIENT_CHARACTERS = 120
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]+")
_SPACES = re.compile(r"\s+")


def client_summary(request: Request) -> str:
    agent = request.headers.get("user-agent", "")
    printable = _SPACES.sub(" ", _UNPRINTABLE.sub(" ", agent)).strip()
    return printable[:MAX_CLIENT_CHARACTERS]
