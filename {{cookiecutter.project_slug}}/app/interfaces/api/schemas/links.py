"""OpenAPI links: which value of a response feeds which next request.

Clients can follow them, and so does the fuzzer's stateful phase
(tests/contract/test_fuzzing.py): register, log in, refresh, log out, read the user.
"""

from typing import Any


def _link(operation_id: str, description: str, **fields: dict[str, str]) -> dict[str, Any]:
    return {"operationId": operation_id, "description": description, **fields}


CREATED_USER_LINKS = {
    "GetUser": _link(
        "get_user", "Read the user just created", parameters={"user_id": "$response.body#/id"}
    ),
}
REGISTERED_USER_LINKS = {
    **CREATED_USER_LINKS,
    "Login": _link(
        "login",
        "Log in with the email as stored and the password just chosen",
        requestBody={"email": "$response.body#/email", "password": "$request.body#/password"},
    ),
}
TOKEN_PAIR_LINKS = {
    "Refresh": _link(
        "refresh_tokens",
        "Trade the refresh token for a new pair",
        requestBody={"refresh_token": "$response.body#/refresh_token"},
    ),
    "Logout": _link(
        "logout",
        "End the session of the refresh token",
        requestBody={"refresh_token": "$response.body#/refresh_token"},
    ),
}
