"""``restwell.codes``: HTTP status codes by name, as ``requests.codes`` and ``httpx.codes``.

An ``IntEnum``: ``codes.NOT_FOUND == 404``, ``codes(404) is codes.NOT_FOUND``,
``codes.NOT_FOUND.phrase == "Not Found"``; the lower-case names work too
(``codes.not_found``, as in requests), and ``codes.get_reason_phrase(404)`` gives the phrase
of any int ("" for a code it does not know).

Why not ``http.HTTPStatus`` itself: it has no lower-case names, and its names and phrases
depend on the Python version (3.13 renamed 413, 414, 416 and 422 after RFC 9110). Here the
phrases are RFC 9110's on every version, and both spellings of those four names exist (the
older ones are aliases), so code written against ``HTTPStatus`` or ``httpx.codes`` reads the
same. Loaded on first use: ``import restwell`` does not build it.
"""

from __future__ import annotations

import enum

__all__ = ["codes"]


class codes(enum.IntEnum):
    """HTTP status codes: ``codes.NOT_FOUND == 404``, ``codes.not_found`` too, and
    ``codes.get_reason_phrase(404) == "Not Found"``."""

    phrase: str

    def __new__(cls, value: int, phrase: str = "") -> codes:
        member = int.__new__(cls, value)
        member._value_ = value
        member.phrase = phrase
        return member

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def get_reason_phrase(cls, value: int) -> str:
        """The standard reason phrase of a status code, "" when there is none."""
        try:
            return cls(value).phrase
        except ValueError:
            return ""

    CONTINUE = 100, "Continue"
    SWITCHING_PROTOCOLS = 101, "Switching Protocols"
    PROCESSING = 102, "Processing"
    EARLY_HINTS = 103, "Early Hints"
    OK = 200, "OK"
    CREATED = 201, "Created"
    ACCEPTED = 202, "Accepted"
    NON_AUTHORITATIVE_INFORMATION = 203, "Non-Authoritative Information"
    NO_CONTENT = 204, "No Content"
    RESET_CONTENT = 205, "Reset Content"
    PARTIAL_CONTENT = 206, "Partial Content"
    MULTI_STATUS = 207, "Multi-Status"
    ALREADY_REPORTED = 208, "Already Reported"
    IM_USED = 226, "IM Used"
    MULTIPLE_CHOICES = 300, "Multiple Choices"
    MOVED_PERMANENTLY = 301, "Moved Permanently"
    FOUND = 302, "Found"
    SEE_OTHER = 303, "See Other"
    NOT_MODIFIED = 304, "Not Modified"
    USE_PROXY = 305, "Use Proxy"
    TEMPORARY_REDIRECT = 307, "Temporary Redirect"
    PERMANENT_REDIRECT = 308, "Permanent Redirect"
    BAD_REQUEST = 400, "Bad Request"
    UNAUTHORIZED = 401, "Unauthorized"
    PAYMENT_REQUIRED = 402, "Payment Required"
    FORBIDDEN = 403, "Forbidden"
    NOT_FOUND = 404, "Not Found"
    METHOD_NOT_ALLOWED = 405, "Method Not Allowed"
    NOT_ACCEPTABLE = 406, "Not Acceptable"
    PROXY_AUTHENTICATION_REQUIRED = 407, "Proxy Authentication Required"
    REQUEST_TIMEOUT = 408, "Request Timeout"
    CONFLICT = 409, "Conflict"
    GONE = 410, "Gone"
    LENGTH_REQUIRED = 411, "Length Required"
    PRECONDITION_FAILED = 412, "Precondition Failed"
    CONTENT_TOO_LARGE = 413, "Content Too Large"
    REQUEST_ENTITY_TOO_LARGE = 413
    URI_TOO_LONG = 414, "URI Too Long"
    REQUEST_URI_TOO_LONG = 414
    UNSUPPORTED_MEDIA_TYPE = 415, "Unsupported Media Type"
    RANGE_NOT_SATISFIABLE = 416, "Range Not Satisfiable"
    REQUESTED_RANGE_NOT_SATISFIABLE = 416
    EXPECTATION_FAILED = 417, "Expectation Failed"
    IM_A_TEAPOT = 418, "I'm a Teapot"
    MISDIRECTED_REQUEST = 421, "Misdirected Request"
    UNPROCESSABLE_CONTENT = 422, "Unprocessable Content"
    UNPROCESSABLE_ENTITY = 422
    LOCKED = 423, "Locked"
    FAILED_DEPENDENCY = 424, "Failed Dependency"
    TOO_EARLY = 425, "Too Early"
    UPGRADE_REQUIRED = 426, "Upgrade Required"
    PRECONDITION_REQUIRED = 428, "Precondition Required"
    TOO_MANY_REQUESTS = 429, "Too Many Requests"
    REQUEST_HEADER_FIELDS_TOO_LARGE = 431, "Request Header Fields Too Large"
    UNAVAILABLE_FOR_LEGAL_REASONS = 451, "Unavailable For Legal Reasons"
    INTERNAL_SERVER_ERROR = 500, "Internal Server Error"
    NOT_IMPLEMENTED = 501, "Not Implemented"
    BAD_GATEWAY = 502, "Bad Gateway"
    SERVICE_UNAVAILABLE = 503, "Service Unavailable"
    GATEWAY_TIMEOUT = 504, "Gateway Timeout"
    HTTP_VERSION_NOT_SUPPORTED = 505, "HTTP Version Not Supported"
    VARIANT_ALSO_NEGOTIATES = 506, "Variant Also Negotiates"
    INSUFFICIENT_STORAGE = 507, "Insufficient Storage"
    LOOP_DETECTED = 508, "Loop Detected"
    NOT_EXTENDED = 510, "Not Extended"
    NETWORK_AUTHENTICATION_REQUIRED = 511, "Network Authentication Required"


# requests' spelling: codes.not_found is codes.NOT_FOUND (the aliases' names as well).
for _name, _member in list(codes.__members__.items()):
    setattr(codes, _name.lower(), _member)
del _name, _member
codes.__module__ = "restwell"  # (loaded on first use, not by restwell/__init__)
