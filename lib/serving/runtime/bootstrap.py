# Atrium's serving bootstrap, run as `python3 -c <this file>` in the endpoint's container (docs/serving.md).
# Downloads the endpoint's bundle (the scoring server and the model directory, one tar) from the portal
# with a read-only token scoped to that bundle, unpacks it into a temporary folder and execs the scoring
# server without the token in its environment. Standard library only; any failure is one line on stderr.
import os
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request

PREFIX = "[atrium] model failed to load: "


def fail(reason):
    print(PREFIX + " ".join(str(reason).split()), file=sys.stderr, flush=True)
    sys.exit(1)


class Capped:
    def __init__(self, raw, cap):
        self.raw, self.cap, self.seen = raw, cap, 0

    def read(self, n=-1):
        data = self.raw.read(n if n is not None and n >= 0 else 1024 * 1024)
        self.seen += len(data)
        if self.seen > self.cap:
            raise ValueError(f"the model bundle is larger than {self.cap} bytes (ATRIUM_BUNDLE_MAX_BYTES)")
        return data


def open_bundle(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "User-Agent": "atrium-serving-bootstrap"})
    delay = 1
    for attempt in range(6):
        try:
            return urllib.request.urlopen(request, timeout=60)
        except urllib.error.HTTPError as e:
            detail = e.read(500).decode("utf-8", "replace")
            if e.code < 500 or attempt == 5:
                fail(f"the portal refused the model bundle ({e.code} {e.reason}): {detail}")
        except (urllib.error.URLError, OSError) as e:
            if attempt == 5:
                fail(f"the model bundle could not be downloaded from {url}: {getattr(e, 'reason', e)}")
        time.sleep(delay)
        delay = min(delay * 2, 8)
    fail("the model bundle could not be downloaded")


def safe_member(member):
    name = member.name
    parts = name.replace("\\", "/").split("/")
    if name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
        fail(f"the model bundle holds an entry that is not a plain file or folder inside it: {name[:200]!r}")
    return member


def main():
    url = os.environ.get("ATRIUM_BUNDLE_URL", "")
    token = os.environ.get("ATRIUM_BUNDLE_TOKEN", "")
    if not url or not token:
        fail("ATRIUM_BUNDLE_URL and ATRIUM_BUNDLE_TOKEN must both be set")
    try:
        cap = int(os.environ.get("ATRIUM_BUNDLE_MAX_BYTES") or 2048 * 1024 * 1024)
    except ValueError:
        fail("ATRIUM_BUNDLE_MAX_BYTES is not a number")
    target = tempfile.mkdtemp(prefix="atrium-bundle-")
    response = open_bundle(url, token)
    try:
        with tarfile.open(fileobj=Capped(response, cap), mode="r|") as tar:
            for member in tar:
                safe_member(member)
                if hasattr(tarfile, "data_filter"):
                    tar.extract(member, target, filter="data")
                else:
                    tar.extract(member, target)
    except (tarfile.TarError, ValueError, OSError) as e:
        fail(f"the model bundle could not be unpacked: {e}")
    finally:
        response.close()
    server = os.path.join(target, "scoring_server.py")
    if not os.path.isfile(server):
        fail("the model bundle has no scoring_server.py")
    env = {k: v for k, v in os.environ.items() if k != "ATRIUM_BUNDLE_TOKEN"}
    os.chdir(target)
    os.execve(sys.executable, [sys.executable, server, os.path.join(target, "model")], env)


main()
