"""A path segment that is anything but "me", for /users/{user_id} beside /users/me.

Without it /users/{user_id} also matches /users/me: PATCH /users/me would reach the
admin's update (and fail on the id) instead of 405 with Allow: GET. The id itself is
still validated by FastAPI, so a malformed one stays a 422 that names the field.
"""

from starlette.convertors import Convertor, register_url_convertor

NAME = "not_me"


class NotMeConvertor(Convertor[str]):
    regex = "(?!me$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


# Starlette reads convertors from one registry by name; registering the same one again
# (another import) changes nothing.
register_url_convertor(NAME, NotMeConvertor())
