"""Regenerates python_secrets.json: which `whsec_` secrets the official Python
signers accept, the key bytes they decode them to, and the `v1` signature they
make with each. Run with the libraries installed:

    python3 -m venv /tmp/v && /tmp/v/bin/pip install standardwebhooks svix==1.20.0
    /tmp/v/bin/python vectors/python_secrets.py > vectors/python_secrets.json

(`svix` up to 1.20 has its own Webhook class decoding with `b64decode(s)`;
later `svix` releases, 1.x and 2.x, wrap `standardwebhooks`, which decodes
with `b64decode(s + "==")`.)
"""

import base64
import importlib.metadata
import json
import sys
from datetime import datetime, timezone

import standardwebhooks

try:
    import svix.webhooks as svix_webhooks
except ImportError:  # pragma: no cover
    svix_webhooks = None

SECRETS = [
    # canonical
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "whsec_dGVzdGtleQ==",
    # unpadded, non-zero trailing bits (issue 17's example: 23 bytes)
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",
    "whsec_dGVzdGtleQ",
    "whsec_dGVzdGtleR",
    "whsec_dGVzdGtleR==",
    "whsec_dGVzdGtle",
    "whsec_dGVzdGtlf",
    "whsec_dGVzdGtlf=",
    "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7o",
    "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7",
    # padding in odd places
    "whsec_dGVzdGtleQ====",
    "whsec_dGVzdGtleQ=",
    "whsec_dGVz=dGtleQ",
    "whsec_dG==VzdGtleQ",
    "whsec_=dGVzdGtleQ",
    # characters outside the alphabet (Python skips them)
    "whsec_dGVz\ndGtleQ",
    "whsec_dGVzdGtleQ.",
    "whsec_dGVz-dGtl_eQ",
    "whsec_not*base64!!",
    "whsec_not*base64!!ab",
    # refused
    "whsec_",
    "",
    "whsec_====",
    "whsec_a",
    "whsec_abcde",
    "whsec_dGVzdGtleQé",
]

MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'


def probe(make):
    out = {}
    for secret in SECRETS:
        try:
            wh = make(secret)
        except Exception as e:  # noqa: BLE001 - any refusal counts
            out[secret] = {"accepted": False, "error": type(e).__name__}
            continue
        ts = datetime.fromtimestamp(TIMESTAMP, tz=timezone.utc)
        sig = wh.sign(MSG_ID, ts, BODY.decode())
        key = getattr(wh, "_whsecret", None)
        if key is None:
            key = wh._inner._whsecret
        out[secret] = {"accepted": True, "key_hex": key.hex(), "signature": sig}
    return out


libraries = {
    "standardwebhooks " + importlib.metadata.version("standardwebhooks"): probe(
        standardwebhooks.Webhook
    )
}
if svix_webhooks is not None:
    libraries["svix " + importlib.metadata.version("svix")] = probe(svix_webhooks.Webhook)

json.dump(
    {
        "about": "whsec_ secrets as the official Python signers read them; regenerate with python_secrets.py",
        "python": sys.version.split()[0],
        "msg_id": MSG_ID,
        "timestamp": TIMESTAMP,
        "body": BODY.decode(),
        "libraries": libraries,
    },
    sys.stdout,
    indent=1,
    ensure_ascii=False,
)
print()
