"""Schemathesis hooks of scripts/fuzz.sh (loaded through SCHEMATHESIS_HOOKS).

- Tokens: each protected request carries, chosen from the generated case, a
  valid access token (of a user logged in through the WeChat simulator), none,
  garbage, a tampered one, or a refresh token.
- Bodies: some generated bodies are swapped, again chosen from the case, for
  ones schemathesis does not make itself: huge, deeply nested, not JSON, or a
  JSON value that is not an object.
- A check, error_code_conformance: an error answer's `error.code` is one the
  spec lists for that operation and status (`x-error-codes`).
- It counts every request and answer into FUZZ_STATS (JSON), which fuzz.sh
  prints.

Choices hash the case (not a random draw), so a seed replays the same
requests.
"""

import atexit
import collections
import json
import os
import threading
import zlib

import requests
import schemathesis

BASE_URL = os.environ["FUZZ_BASE_URL"]
STATS_PATH = os.environ["FUZZ_STATS"]

# Over the 64 KiB limit of every JSON route, and the avatar upload's 1 MB + 16 KiB.
HUGE_JSON = b'{"code":"' + b"x" * (70 * 1024) + b'"}'
HUGE_UPLOAD = b"\xff" * (1024 * 1024 + 20 * 1024)
# Deeper than serde_json's recursion limit (128).
DEEP = b"[" * 5000 + b"]" * 5000
DEEP_OBJECT = b'{"a":' * 3000 + b"1" + b"}" * 3000
NOT_JSON = [b"not json", b"\xff\xfe\x00garbage", b"<xml/>", b'{"code": "x"', b"", b"{} {}"]
NOT_OBJECTS = [b"null", b"42", b'"code"', b"[]", b"true", b"[{}]", b"1e999"]

lock = threading.Lock()
stats = {
    "requests": 0,
    "by_operation": collections.Counter(),
    "by_status": collections.Counter(),
    "by_token": collections.Counter(),
    "by_body": collections.Counter(),
}


class Tokens:
    """A valid access token, of a user logged in anew every 40 uses or once
    its session ended (the fuzzer logs out, deletes accounts, changes
    passwords); also that user's refresh token."""

    def __init__(self):
        self.logins = 0
        self.uses = 0
        self.current = None

    def login(self):
        self.logins += 1
        code = f"fuzz-{os.getpid()}-{self.logins};n=1"
        answer = requests.post(f"{BASE_URL}/auth/login", json={"code": code}, timeout=30)
        answer.raise_for_status()
        body = answer.json()
        self.current = (body["token"], body["refreshToken"])
        self.uses = 0

    def get(self):
        with lock:
            if self.current is None or self.uses >= 40:
                self.login()
            self.uses += 1
            return self.current

    def ended(self, token):
        with lock:
            if self.current and self.current[0] == token:
                self.current = None


tokens = Tokens()
# The token each request in flight was sent with, by id(case): a Case takes no
# new attributes.
sent_with = {}


def choice(case, salt):
    """A number from the generated case: the same case, the same number."""
    text = repr((case.operation.label, salt, case.path_parameters, case.query, case.body))
    return zlib.crc32(text.encode("utf-8", "backslashreplace"))


def protected(case):
    return bool(case.operation.definition.raw.get("security"))


def set_token(case):
    """The Authorization header of a protected request: mostly valid."""
    kind = ["valid"] * 6 + ["none", "garbage", "tampered", "refresh"]
    kind = kind[choice(case, "token") % len(kind)]
    headers = dict(case.headers or {})
    headers.pop("Authorization", None)
    if kind != "none":
        access, refresh = tokens.get()
        value = {
            "valid": f"Bearer {access}",
            "garbage": "Bearer not.a.jwt",
            # The signature's last character changed: a token that is not ours.
            "tampered": f"Bearer {access[:-2]}{'A' if access[-2] != 'A' else 'B'}{access[-1]}",
            "refresh": f"Bearer {refresh}",
        }[kind]
        headers["Authorization"] = value
    case.headers = headers
    return kind


def set_body(case):
    """Swaps one generated body in five for one schemathesis does not make."""
    if "requestBody" not in case.operation.definition.raw:
        return "none"
    pick = choice(case, "body")
    kind = ["huge", "deep", "not_json", "not_object"][pick % 4] if pick % 5 == 0 else "generated"
    upload = case.operation.path == "/auth/profile/avatar"
    if kind == "huge":
        case.body = HUGE_UPLOAD if upload else HUGE_JSON
    elif kind == "deep":
        case.body = DEEP if pick % 2 else DEEP_OBJECT
    elif kind == "not_json":
        case.body = NOT_JSON[(pick >> 4) % len(NOT_JSON)]
    elif kind == "not_object":
        case.body = NOT_OBJECTS[(pick >> 4) % len(NOT_OBJECTS)]
    return kind


def neutralise_login_code(case):
    """The simulator reads `key=value` parts of a login code as orders
    (`errcode=-1`, `delay_ms=…`: WeChat failing on purpose, which wxauth
    rightly answers 5xx); a fuzzed code must stay a code."""
    if case.operation.path == "/auth/login" and isinstance(case.body, dict):
        code = case.body.get("code")
        if isinstance(code, str) and "=" in code:
            case.body = {**case.body, "code": code.replace("=", ":")}


@schemathesis.hook
def before_call(context, case, kwargs):
    neutralise_login_code(case)
    body = set_body(case)
    token = set_token(case) if protected(case) else "public"
    with lock:
        sent_with[id(case)] = (token, (case.headers or {}).get("Authorization"))
        stats["by_body"][body] += 1
        stats["by_token"][token] += 1


@schemathesis.hook
def after_call(context, case, response):
    with lock:
        stats["requests"] += 1
        stats["by_operation"][case.operation.label] += 1
        stats["by_status"][str(response.status_code)] += 1
        token, header = sent_with.pop(id(case), (None, None))
    if token == "valid" and response.status_code == 401:
        tokens.ended(header.removeprefix("Bearer "))


@schemathesis.check
def error_code_conformance(ctx, response, case):
    """An error answer's code is one of its operation's `x-error-codes` for
    that status (the catalogue's status of each code is checked in Rust)."""
    if response.status_code < 400:
        return None
    declared = case.operation.definition.raw.get("responses", {}).get(str(response.status_code), {})
    codes = declared.get("x-error-codes")
    if codes is None:
        return None  # an undocumented status: status_code_conformance says so
    code = json.loads(response.content)["error"]["code"]
    if code not in codes:
        raise AssertionError(
            f"{case.operation.label} answered {response.status_code} {code}, "
            f"not one of its x-error-codes {codes}"
        )
    return None


@atexit.register
def write_stats():
    with open(STATS_PATH, "w") as out:
        json.dump({**stats, "logins": tokens.logins}, out, indent=1, sort_keys=True)
