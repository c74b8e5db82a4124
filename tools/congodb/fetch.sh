#!/bin/sh
# Fetch CongoDB (the MongoDB wire-protocol server compiled inside the npm
# tarball of @push.rocks/smartmongo) and the six packages it imports.
#
# Idempotent: does nothing when dist/ and node_modules/ are already in place.
# Needs only `node`, `npm`, `tar` and the npm registry. Neither dist/ nor
# node_modules/ is committed (see .gitignore).
set -eu

SMARTMONGO_VERSION=2.2.0
# sha1 of push.rocks-smartmongo-2.2.0.tgz as published on the registry
SMARTMONGO_SHA1=8e8d6fe2de716cc16385447467cc47ce35e10af2

HERE=$(cd "$(dirname "$0")" && pwd)
DIST="$HERE/dist"
STAMP="$DIST/.smartmongo-version"

die() { echo "fetch.sh: ERROR: $*" >&2; exit 1; }

for tool in node npm tar; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found on PATH (install Node.js >= 18 with npm)"
done

# 1. CongoDB itself: only dist_ts/congodb/ out of the smartmongo tarball.
if [ -f "$DIST/index.js" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$SMARTMONGO_VERSION" ]; then
    echo "fetch.sh: dist/ already has CongoDB from smartmongo@$SMARTMONGO_VERSION"
else
    TMP=$(mktemp -d)
    trap 'rm -rf "$TMP"' EXIT INT TERM
    echo "fetch.sh: npm pack @push.rocks/smartmongo@$SMARTMONGO_VERSION"
    (cd "$TMP" && npm pack --loglevel=error "@push.rocks/smartmongo@$SMARTMONGO_VERSION" >/dev/null) \
        || die "npm pack @push.rocks/smartmongo@$SMARTMONGO_VERSION failed (is the npm registry reachable?)"
    TGZ="$TMP/push.rocks-smartmongo-$SMARTMONGO_VERSION.tgz"
    [ -f "$TGZ" ] || die "npm pack did not produce $TGZ"
    SUM=$(node -e "const c=require('crypto'),f=require('fs');process.stdout.write(c.createHash('sha1').update(f.readFileSync(process.argv[1])).digest('hex'))" "$TGZ")
    [ "$SUM" = "$SMARTMONGO_SHA1" ] || die "checksum mismatch for $TGZ: got $SUM, expected $SMARTMONGO_SHA1"
    tar -xzf "$TGZ" -C "$TMP" package/dist_ts/congodb \
        || die "could not extract package/dist_ts/congodb from $TGZ"
    [ -f "$TMP/package/dist_ts/congodb/index.js" ] || die "dist_ts/congodb/index.js missing from tarball"
    rm -rf "$DIST"
    mv "$TMP/package/dist_ts/congodb" "$DIST"
    echo "$SMARTMONGO_VERSION" > "$STAMP"
    echo "fetch.sh: extracted CongoDB into $DIST"
fi

# 2. The six packages CongoDB imports (pinned in package.json / package-lock.json).
cd "$HERE"
if [ -f node_modules/.package-lock.json ] && [ -d node_modules/mingo ] \
   && [ node_modules/.package-lock.json -nt package.json ] \
   && { [ ! -f package-lock.json ] || [ node_modules/.package-lock.json -nt package-lock.json ]; }; then
    echo "fetch.sh: node_modules/ up to date"
else
    if [ -f package-lock.json ]; then
        echo "fetch.sh: npm ci"
        npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed in $HERE"
    else
        echo "fetch.sh: npm install"
        npm install --no-audit --no-fund --loglevel=error || die "npm install failed in $HERE"
    fi
fi

# 3. Smoke test: the module graph loads.
node --input-type=module -e "await import('$DIST/index.js')" \
    || die "CongoDB failed to load (node $(node -v)); try removing $DIST and node_modules and re-running"
echo "fetch.sh: CongoDB ready"
