"""The mutants the score sets aside, each entry with its reason.

Keys are mutmut's mutant names, or fnmatch patterns of them; `python -m tests.mutation
show NAME` prints the change. Two kinds are listed:

- equivalent: the mutant behaves as the original for every input a caller can give;
- out of reach: the function runs while the app's modules are imported, before mutmut
  forks the run of a mutant and switches it on, so no test can see the mutant; the
  reason names the test that pins the function instead.

A name moves when its function changes. `report` calls an entry stale when it matches
no mutant or one a test kills; it cannot tell when another surviving mutant took the old
number, so `show` each entry of a function you change.
"""

_STAGES = "app.interfaces.pipeline.stages"
_AUTH = f"{_STAGES}.authentication_stage"
_VALIDATION = f"{_STAGES}.validation_stage.xǁValidationStageǁresolve__mutmut_"
_HANDLED_ONCE = "app.application.events.handled_once.xǁHandledOnceUnitOfWorkǁ"
_SCRIPT_OF = "app.domain.value_objects.label_scripts.x_script_of__mutmut_"
_DOMAIN = "app.domain.value_objects.domain_name"
_JWT = "app.infrastructure.security.jwt_access_token_codec.xǁJwtAccessTokenCodecǁ"
_BCRYPT = "app.infrastructure.security.bcrypt_password_hasher.xǁBcryptPasswordHasherǁ"
_CASELESS_HEADER = "Starlette looks request headers up whatever their case"
_NO_HEADER = "a missing header and this default are refused alike"
_CODEC_NAME = "Python's codec names are case-insensitive"
_SCRIPT_SPLIT = "every Unicode name's first word ends at its first single space"
_UNNAMED = "'unknown' is 'Unknown' in a message: the script's name goes through title()"
_EXC_TYPE_ONLY = "the units of work read only the exception's type, not it or its traceback"

EQUIVALENT_MUTANTS: dict[str, str] = {
    # Out of reach: built while the routers are imported.
    "app.interfaces.pipeline.route_context.x_route_dependency__mutmut_*": (
        "each route's dependency is built when its router is imported; every contract"
        " test goes through it"
    ),
    f"{_AUTH}.xǁAuthenticationStageǁopenapi_spec__mutmut_*": (
        "read when the flows are built at import; tests/contract/test_openapi.py pins the"
        " Bearer scheme and where it is required"
    ),
    f"{_STAGES}.rate_limit_stage.xǁRateLimitStageǁ__init____mutmut_1": (
        "the stages are built at import; tests/contract/test_metric_counts.py and"
        " test_error_messages.py pin each limit's scope and 429"
    ),
    # Equivalent: HTTP's case-insensitive names and the fallbacks they meet.
    f"{_AUTH}.xǁAuthenticationStageǁresolve__mutmut_9": _CASELESS_HEADER,
    f"{_AUTH}.xǁAuthenticationStageǁresolve__mutmut_10": _NO_HEADER,
    f"{_AUTH}.x__unauthorized__mutmut_11": "response header names are case-insensitive",
    f"{_AUTH}.x__unauthorized__mutmut_12": "response header names are case-insensitive",
    f"{_VALIDATION}8": "the text before the first ';' is the same without maxsplit",
    f"{_VALIDATION}15": _CASELESS_HEADER,
    f"{_VALIDATION}16": _NO_HEADER,
    f"{_VALIDATION}18": "the text before the first ';' is the same with maxsplit 2",
    f"{_VALIDATION}24": "a 415 without a code gets UNSUPPORTED_MEDIA_TYPE from CODE_BY_STATUS",
    f"{_STAGES}.rate_limit_stage.xǁRateLimitStageǁresolve__mutmut_16": (
        "a 429 without a code gets RATE_LIMITED from CODE_BY_STATUS"
    ),
    # Equivalent: values nothing reads, or reads only one way.
    **{
        f"{_JWT}decode__mutmut_{n}": (
            "the message of an error caught three lines below and answered as"
            " 'Invalid access token'"
        )
        for n in (19, 20, 21)
    },
    "app.application.services.token_service.xǁTokenServiceǁissue__mutmut_14": (
        "token_urlsafe() without a length draws 32 bytes, REFRESH_TOKEN_BYTES"
    ),
    **{
        f"{_BCRYPT}__init____mutmut_{n}": (
            "any password makes a dummy hash of the same cost, which only spends the time"
        )
        for n in (17, 18)
    },
    "app.application.handlers.commands.login_user_handler.x_handle_login_user__mutmut_3": (
        "'' and None are both falsy, the only way `email` is read when it did not parse"
    ),
    f"{_HANDLED_ONCE}__init____mutmut_6": "`entered` is only read for its truth",
    f"{_HANDLED_ONCE}__aenter____mutmut_14": (
        "the bus takes EventAlreadyHandledError as 'done' and shows its message nowhere"
    ),
    f"{_HANDLED_ONCE}__aenter____mutmut_16": _EXC_TYPE_ONLY,
    f"{_HANDLED_ONCE}__aenter____mutmut_17": _EXC_TYPE_ONLY,
    f"{_HANDLED_ONCE}__aenter____mutmut_21": "NoneType is a type, not None: still a rollback",
    f"{_HANDLED_ONCE}__aexit____mutmut_2": _EXC_TYPE_ONLY,
    f"{_HANDLED_ONCE}__aexit____mutmut_3": _EXC_TYPE_ONLY,
    "app.application.bus.event_bus.xǁEventBusǁdiscover__mutmut_4": (
        "the placeholder for `uow` is only checked by name, never called"
    ),
    "app.application.events.event_serialization.x__typed__mutmut_15": (
        "every field type the events have other than enums (str, int, bool) returns the"
        " JSON value it is given unchanged"
    ),
    "app.application.events.outbox_relay.xǁOutboxRelayǁrelay_batch__mutmut_29": (
        "with nothing marked published no claim can be lost, so the time is never logged"
    ),
    **{
        f"app.application.handlers.queries.check_readiness_handler.x__reach_all__mutmut_{n}": (
            "zip() over the names and the outcomes gathered from them: the same length"
        )
        for n in (8, 11, 12)
    },
    "app.application.handlers.queries.list_users_handler.x_handle_list_users__mutmut_28": (
        "has_more is len(rows) > limit either way; one more row is read"
    ),
    "app.application.ports.outbox.xǁOutboxǁmark_published__mutmut_1": (
        "a Protocol's default: callers get the implementation's"
    ),
    "app.domain.entities.base.xǁEntityǁ__hash____mutmut_1": (
        "equal entities still hash alike; the hash only spreads unequal ones"
    ),
    "app.domain.entities.base.xǁEntityǁ__hash____mutmut_2": (
        "equal entities still hash alike; the hash only spreads unequal ones"
    ),
    **{
        f"app.domain.value_objects.invisible_characters.x_is_invisible__mutmut_{n}": (
            "the first range is U+00AD alone, a Cf character found by its category first"
        )
        for n in (14, 15)
    },
    f"{_SCRIPT_OF}7": _SCRIPT_SPLIT,
    f"{_SCRIPT_OF}10": _SCRIPT_SPLIT,
    f"{_SCRIPT_OF}19": _SCRIPT_SPLIT,
    f"{_SCRIPT_OF}17": _UNNAMED,
    "app.domain.value_objects.password.x__is_visible__mutmut_5": (
        "no category starts with X: 'XXZMCXX' holds the same letters as 'ZMC'"
    ),
    f"{_DOMAIN}.x_canonical_domain__mutmut_5": _CODEC_NAME,
    f"{_DOMAIN}.x_canonical_domain__mutmut_7": _CODEC_NAME,
    f"{_DOMAIN}.x__unicode_form__mutmut_6": _CODEC_NAME,
    f"{_DOMAIN}.x__unicode_form__mutmut_8": _CODEC_NAME,
    "app.domain.value_objects.email.x_canonical_email__mutmut_41": (
        "_SHAPE admits exactly one '@', so both ends of it split alike"
    ),
}
