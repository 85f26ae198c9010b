"""Sign in as a demo clerk and print what the data-entry load script needs, as shell variables.

Usage: session.py BASE_URL USERNAME PASSWORD  →  SESSION=… CSRF=… REPORT=… BODY_FILE=…
"""

import http.cookiejar
import json
import re
import sys
import tempfile
import urllib.parse
import urllib.request

base, username, password = sys.argv[1:4]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

page = opener.open(f"{base}/accounts/login/").read().decode()
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}).encode()
request = urllib.request.Request(f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"})
opener.open(request).read()
cookies = {c.name: c.value for c in jar}
if "sessionid" not in cookies:
    sys.exit("登录失败：请检查演示账户")

home = opener.open(f"{base}/my/").read().decode()
report = re.search(r'href="/my/reports/(\d+)/"', home).group(1)
# The live check receives the whole report as the editing page would send it.
document = json.loads(opener.open(f"{base}/my/reports/{report}/export.json").read().decode())
body = {"cells": document["cells"], "texts": document["texts"]}
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
    json.dump(body, handle, ensure_ascii=False)
print(f"SESSION={cookies['sessionid']} CSRF={cookies['csrftoken']} REPORT={report} BODY_FILE={handle.name}")
