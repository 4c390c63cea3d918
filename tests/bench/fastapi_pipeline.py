"""The benchmark's FastAPI anchor (tests/bench/bench_jira.py starts it under
uvicorn behind nginx; it is not part of the product): a straightforward
FastAPI application doing, step by step, the work of the reference
pipeline (tests/bench/ref_pipeline.c) for a Jira-mode GET /api/issues:

  bearer -> keyed hash (BLAKE2b-256 with a 32-byte key: libsodium's
  crypto_generichash, here hashlib.blake2b) -> one SQLite row (one
  read-only connection per worker) -> XChaCha20-Poly1305 open of the
  sealed token (PyNaCl, libsodium underneath) -> POST /search/jql on one
  kept-alive httpx.AsyncClient per worker -> json parse -> reshape into
  the same slim rows -> JSON answer.

The application is async, the idiomatic FastAPI form with httpx: an
`async def` endpoint awaiting an AsyncClient made at start-up.  The SQLite
look-up (one indexed row) and the unseal run inline on the event loop.

Configured from the environment (set by bench_jira.py):
  FA_DB    the database ref_pipeline init made (table keys)
  FA_KEY   its 32-byte key file
  FA_URL   the Atlassian API base URL (the static upstream)
  FA_SITE  the site URL the rows' links start with
"""

import hashlib
import os
import re
import sqlite3

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt

FIELDS = ["summary", "status", "issuetype", "priority", "assignee",
          "reporter", "created", "updated"]
PROJECT = re.compile(r"[A-Z0-9]{0,31}")

with open(os.environ["FA_KEY"], "rb") as _f:
    KEY = _f.read()
if len(KEY) != 32:
    raise SystemExit("FA_KEY: want 32 bytes")
URL = os.environ["FA_URL"]
SITE = os.environ["FA_SITE"]

app = FastAPI()
state = {}


@app.on_event("startup")
async def startup():
    # One read-only connection and one kept-alive client per worker, as
    # ref_pipeline keeps one prepared statement and one curl handle.
    state["db"] = sqlite3.connect("file:%s?mode=ro" % os.environ["FA_DB"],
                                  uri=True)
    state["http"] = httpx.AsyncClient(timeout=3.0)


@app.on_event("shutdown")
async def shutdown():
    await state["http"].aclose()
    state["db"].close()


def subname(f, obj, member):
    v = f.get(obj)
    v = v.get(member) if isinstance(v, dict) else None
    return v if isinstance(v, str) else None


@app.get("/api/issues")
async def issues(request: Request, project: str = ""):
    auth = request.headers.get("authorization")
    if auth is None or not auth.startswith("Bearer "):
        return JSONResponse({}, status_code=401)
    h = hashlib.blake2b(auth[7:].encode(), digest_size=32, key=KEY).digest()
    row = state["db"].execute(
        "SELECT nonce, token, cloud FROM keys WHERE hash = ?",
        (h,)).fetchone()
    if row is None or len(row[0]) != 24:
        return JSONResponse({}, status_code=401)
    try:
        token = crypto_aead_xchacha20poly1305_ietf_decrypt(
            row[1], b"1", row[0], KEY).decode()
    except Exception:
        return JSONResponse({}, status_code=401)
    proj = PROJECT.match(project).group(0)
    try:
        r = await state["http"].post(
            "%s/ex/jira/%s/rest/api/3/search/jql" % (URL, row[2]),
            json={"jql": 'project = "%s" ORDER BY updated DESC' % proj,
                  "maxResults": 20, "fields": FIELDS},
            headers={"Authorization": "Bearer " + token,
                     "Accept": "application/json"})
        if r.status_code != 200:
            return JSONResponse({}, status_code=502)
        reply = r.json()
    except (httpx.HTTPError, ValueError):
        return JSONResponse({}, status_code=502)
    rows = []
    for it in reply.get("issues", []):
        f = it.get("fields", {})
        rows.append({
            "key": it.get("key"),
            "url": "%s/browse/%s" % (SITE, it.get("key")),
            "summary": f.get("summary"),
            "status": subname(f, "status", "name"),
            "type": subname(f, "issuetype", "name"),
            "priority": subname(f, "priority", "name"),
            "assignee": subname(f, "assignee", "displayName"),
            "reporter": subname(f, "reporter", "displayName"),
            "created": f.get("created"),
            "updated": f.get("updated"),
        })
    return JSONResponse({"issues": rows, "next_cursor": None})
