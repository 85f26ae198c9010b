#!/usr/bin/env bash
# Debian packages the project uses. `runtime`: the CJK TrueType font embedded in published PDFs (WenQuanYi Micro Hei)
# and poppler-utils (pdftotext: reading published reports' PDFs, reports/importing). `test`: also Chromium.
# Installs only what is missing, only as root with apt-get; otherwise says what to install.
set -euo pipefail
want=(fonts-wqy-microhei poppler-utils)
if [ "${1:-runtime}" = test ]; then
  want+=(chromium)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "安装系统软件包：${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "缺少系统软件包：${missing[*]}（Debian/Ubuntu: sudo apt-get install ${missing[*]}）" >&2
  exit 1
fi
