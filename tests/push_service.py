"""A local RFC 8030 push service on 127.0.0.1: records what it receives, answers as told."""
import base64
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


class PushService:
    def __init__(self):
        self.received = []
        self.statuses = deque()
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with service.lock:
                    service.received.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                                             "at": time.monotonic()})
                    status = service.statuses.popleft() if service.statuses else 201
                self.send_response(status)
                self.send_header("Content-Length", "0")
                if status == 201:
                    self.send_header("Location", f"/messages/{len(service.received)}")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def received_at(self, path):
        with self.lock:
            return [r for r in self.received if r["path"] == path]


def decrypt(request, browser) -> dict:
    """Decrypt an aes128gcm push body with the fake browser's keys, as a real browser would."""
    plain = http_ece.decrypt(request["body"], private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm")
    return json.loads(plain)


def verify_vapid(request, expected_public_key: str) -> dict:
    """Check the VAPID JWT (RFC 8292) against the server's published key; return its claims."""
    scheme, _, params = request["headers"]["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == expected_public_key
    header, payload, signature = fields["t"].split(".")
    raw = b64decode(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64decode(fields["k"]))
    public.verify(
        encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
        f"{header}.{payload}".encode(),
        ec.ECDSA(hashes.SHA256()),
    )
    assert json.loads(b64decode(header)) == {"typ": "JWT", "alg": "ES256"}
    return json.loads(b64decode(payload))
