#!/usr/bin/env bash
# Debian packages the project uses, installed only here (the Dockerfile runs this script too).
#   runtime: the CJK TrueType font embedded in published PDFs (WenQuanYi Micro Hei) and
#            poppler-utils (pdftotext: reading published reports' PDFs, reports/importing).
#   image:   runtime + postgresql-client-$PG_MAJOR (pg_dump/pg_restore for `backup`/`restore`,
#            of the same major version as docker-compose.yml's PostgreSQL: a pg_dump older than
#            the server refuses to dump it). Debian's own package: compose runs the
#            PostgreSQL major that bookworm ships, so no other repository is needed.
#   test:    runtime + Chromium for the browser tests and Noto CJK
#            (an OpenType CFF font: the test that such a font is refused with a clear message).
# Installs only what is missing, only as root with apt-get; otherwise says what to install.
set -euo pipefail
target="${1:-runtime}"
want=(fonts-wqy-microhei poppler-utils)
case "$target" in
  runtime) ;;
  image) want+=("postgresql-client-${PG_MAJOR:?set PG_MAJOR, the PostgreSQL major version of docker-compose.yml}") ;;
  test) want+=(chromium fonts-noto-cjk) ;;
  *) echo "用法：$0 runtime|image|test" >&2; exit 2 ;;
esac
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "缺少系统软件包：${missing[*]}（Debian/Ubuntu: sudo apt-get install ${missing[*]}）" >&2
  exit 1
fi
echo "安装系统软件包：${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
