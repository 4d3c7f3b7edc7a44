#!/bin/sh
# Usage: docker/frontend/precompress.sh DIST_DIR
#
# Writes FILE.gz beside every text file of the SPA build (gzip -9, no name or timestamp, so
# the output is reproducible), for nginx's gzip_static: compressed once at build time at the
# highest level instead of on every request. Files under 1 KiB are left alone, as nginx's
# on-the-fly gzip does (gzip_min_length). POSIX sh: runs in the Node build stage and in the tests.
set -eu

dist=${1:?usage: $0 DIST_DIR}
[ -f "$dist/index.html" ] || { echo "precompress: no $dist/index.html; build the SPA first" >&2; exit 1; }

find "$dist" -type f -size +1k \
    \( -name '*.html' -o -name '*.js' -o -name '*.mjs' -o -name '*.css' -o -name '*.svg' \
       -o -name '*.json' -o -name '*.webmanifest' -o -name '*.txt' -o -name '*.xml' -o -name '*.map' \) \
    -exec gzip -k -f -n -9 {} +

echo "precompress: $(find "$dist" -type f -name '*.gz' | wc -l) .gz files in $dist"
