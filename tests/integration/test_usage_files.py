"""Files in usage and quotas (issue 18 item 5, README "Usage and quotas")
through a real nginx and a real Apache, on the embedded store with the
loopback file host (tests/standin/filehost.py): each file kept with a
draft counts one file and its bytes for the person, day and site
(jta-admin usage in JSON and CSV, /metrics; the admin page's summary is
check_usage's);
a files quota gives a notice at 70 % and at 100 % refuses the next file
with 429 naming openaiFileIdRefs, Retry-After and the reset time, while a
draft without files still goes in; a file whose bytes would pass a
file_bytes quota is refused the same way, one that fits is taken.
Standard library only."""

import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402
import test_attachments  # noqa: E402
from test_attachments import HOST, ref  # noqa: E402
import test_metrics  # noqa: E402
import filehost  # noqa: E402

PNG = len(filehost.FILES["/png"])
TEXT = len(filehost.FILES["/text"])


def usage(stack, by="person"):
    import json
    rc, out, err = stack.admin("usage", "--by", by, "--json")
    assert rc == 0, (rc, out, err)
    return {r[by]: r for r in json.loads(out)}


def draft(client, *refs):
    body = {"project": "DEMO", "summary": "With files"}
    if refs:
        body["openaiFileIdRefs"] = list(refs)
    st, h, j, _ = client.call("POST", "/api/drafts", body)
    return st, h, j or {}


def test(c, stack, server):
    s = server + ": "
    stack.admin("user", "add", "alice")
    rc, out, _ = stack.admin("key", "create", "alice")
    alice = Client(stack, out.strip())
    stack.admin("project", "add", "DEMO", "Demo")
    png = ref("/png", "screen.png", "image/png")
    log = ref("/text", "app.log", "text/plain")
    rc, out, err = stack.admin("quota", "set", "--person", "alice",
                               "--metric", "files", "--limit", "3")
    c.check(s + "a files quota is set", rc == 0, (rc, out, err))

    st, _, d = draft(alice, png, log)
    c.check(s + "two files kept: 201, no notice yet", st == 201 and
            "notice" not in d, (st, d))
    u = usage(stack).get("alice", {})
    c.check(s + "usage counts the files and their bytes", u.get("files") ==
            2 and u.get("file_bytes") == PNG + TEXT, u)
    site = usage(stack, "site").get("local", {})
    c.check(s + "per site too", site.get("files") == 2 and
            site.get("file_bytes") == PNG + TEXT, site)
    rc, out, _ = stack.admin("usage", "--csv")
    c.check(s + "the CSV has the two columns",
            out.splitlines()[0].endswith(",files,file_bytes") and
            out.splitlines()[1].endswith(",2,%d" % (PNG + TEXT)), out)

    st, _, d = draft(alice, png)
    c.check(s + "at 2 of 3 files (66 %) no notice; the third file is "
            "taken", st == 201 and "notice" not in d, (st, d))
    st, h, d = draft(alice, log)
    c.check(s + "at 3 of 3 the next file is refused: 429 naming "
            "openaiFileIdRefs, the quota and its reset, Retry-After",
            st == 429 and d.get("field") == "openaiFileIdRefs" and
            "app.log" in d.get("detail", "") and
            "daily quota of 3 files attached is used up (3 of 3)" in
            d.get("detail", "") and "T00:00:00Z" in d.get("detail", "") and
            0 < int(h.get("retry-after", "0")) <= 86400, (st, h, d))
    st, _, d = draft(alice)
    c.check(s + "a draft without files still goes in, with a notice",
            st == 201 and d.get("notice", "").startswith("Quota used up:"),
            (st, d))
    u = usage(stack).get("alice", {})
    c.check(s + "the refused file is not counted", u.get("files") == 3 and
            u.get("file_bytes") == 2 * PNG + TEXT, u)

    stack.admin("quota", "set", "--person", "alice", "--metric", "files",
                "--limit", "100")
    stack.admin("quota", "set", "--default-person", "--metric",
                "file_bytes", "--limit", str(2 * PNG + TEXT + TEXT))
    st, h, d = draft(alice, png)
    c.check(s + "a file whose bytes would pass the file_bytes quota: 429 "
            "naming openaiFileIdRefs", st == 429 and
            d.get("field") == "openaiFileIdRefs" and
            "would pass your daily quota of %d bytes of files attached" %
            (2 * PNG + TEXT + TEXT) in d.get("detail", "") and
            int(h.get("retry-after", "0")) > 0, (st, h, d))
    st, _, d = draft(alice, log)
    lim = 2 * PNG + TEXT + TEXT
    c.check(s + "one that fits exactly is taken (the notice counts the "
            "bytes before it)", st == 201 and d.get("notice", "").startswith(
                "Quota notice: %d %% of your daily quota of %d bytes" %
                ((2 * PNG + TEXT) * 100 // lim, lim)), (st, d))

    samples = test_metrics.scrape(c, stack, s + "metrics")
    c.eq(s + "/metrics counts the files kept",
         (test_metrics.get(samples, "jta_attachments_kept_total"),
          test_metrics.get(samples, "jta_attachment_bytes_kept_total")),
         (4, 2 * PNG + 2 * TEXT))
    c.check(s + "and the two refusals by scope", test_metrics.get(
        samples, "jta_quota_rejections_total", scope="person") >= 2,
        samples.get(("jta_quota_rejections_total", (("scope", "person"),))))


def main():
    test_attachments.start_host(tempfile.mkdtemp(prefix="jta-it-ufiles-"))
    try:
        jtatest.run_modes((("local", test,
                            lambda st: test_attachments.host_conf()),),
                          "ufiles", metrics_open=True)
    finally:
        HOST["proc"].kill()


if __name__ == "__main__":
    main()
