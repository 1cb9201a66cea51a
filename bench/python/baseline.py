"""The decrypt + verify + token-signing path done the way a Python team would:
wechatpy for the open data, hashlib for the rawData signature, PyJWT for the
RS256 token. Reads its inputs as JSON on stdin (the same example the Rust
benchmark uses), checks the result once, then times the path and prints JSON:
{"median_us": ..., "runs": ..., "iterations": ..., "versions": {...}}.
"""

import hashlib
import hmac
import json
import statistics
import sys
import time
import uuid
from importlib.metadata import version

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from wechatpy.crypto import WeChatWxaCrypto


def main():
    given = json.load(sys.stdin)
    # The key is parsed once, as a server would at start-up.
    key = load_pem_private_key(given["private_key_pem"].encode(), password=None)
    now = given["now"]

    def path():
        crypto = WeChatWxaCrypto(given["session_key"], given["iv"], given["appid"])
        payload = crypto.decrypt_message(given["encrypted_data"])  # checks watermark.appid
        if now - payload["watermark"]["timestamp"] > 600:
            raise ValueError("watermark too old")
        if payload.get("openId") != given["openid"]:
            raise ValueError("openId is not the session's")
        expected = hashlib.sha1((given["raw_data"] + given["session_key"]).encode()).hexdigest()
        if not hmac.compare_digest(expected, given["signature"]):
            raise ValueError("rawData signature does not match")
        claims = {
            "iss": "wxauth",
            "aud": "wxauth-miniprogram",
            "sub": given["user_id"],
            "iat": now,
            "exp": now + 7200,
            "jti": uuid.uuid4().hex,
            "appid": given["appid"],
            "openid": given["openid"],
        }
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "bench"})

    token = path()
    assert token.count(".") == 2, token
    for _ in range(max(1, given["iterations"] // 10)):  # warm up
        path()
    runs = []
    for _ in range(given["runs"]):
        start = time.perf_counter_ns()
        for _ in range(given["iterations"]):
            path()
        runs.append((time.perf_counter_ns() - start) / given["iterations"] / 1000)
    print(json.dumps({
        "median_us": statistics.median(runs),
        "runs": given["runs"],
        "iterations": given["iterations"],
        "versions": {
            "python": sys.version.split()[0],
            "wechatpy": version("wechatpy"),
            "PyJWT": version("PyJWT"),
            "cryptography": version("cryptography"),
        },
    }))


if __name__ == "__main__":
    main()
