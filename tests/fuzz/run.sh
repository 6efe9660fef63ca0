#!/usr/bin/env bash
# Schemathesis over the API, as an anonymous client, a customer and an admin (issue 14 item 8,
# issue 13 step 6): `bash tests/fuzz/run.sh` (`pip install schemathesis`; .ci/run installs it).
#
# Starts the built binary (`cargo build` first; REZERVE_BIN to use another) on a fresh data dir
# with the demo catalog, so generated requests reach events, seat maps, bookings and users that
# exist, then runs every check over the served OpenAPI document. One built-in check is swapped
# for hooks.py's narrower copy: it says which refusals of schema-valid data depend on the
# server's data and why no schema can express them. Exits 1 on any failure schemathesis reports.
#
# Not in CI yet: the server's state differs between runs, so even a seeded run still finds a
# new gap now and then; it goes in once runs in a row come back clean.
#
# FUZZ_SECONDS per role (default 40), FUZZ_SEED (default 20261206), FUZZ_PORT (default 18090).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${REZERVE_BIN:-$root/target/debug/rezerve}
seconds=${FUZZ_SECONDS:-40}
seed=${FUZZ_SEED:-20261206}
port=${FUZZ_PORT:-18090}
base=http://127.0.0.1:$port
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

cd "$work"
REZERVE_SERVER__LISTEN=127.0.0.1:$port REZERVE_SERVER__METRICS_LISTEN=127.0.0.1:$((port + 1)) \
    "$bin" serve --demo >serve.log 2>&1 &
server=$!
for _ in $(seq 100); do
    curl -fs "$base/readyz" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fs "$base/readyz" >/dev/null || { cat serve.log; echo "the server did not start"; exit 1; }

token() { # role → bearer token of the demo account
    local email password
    read -r _ email _ password < <(grep "^$1 " data/demo-credentials.txt)
    curl -fs -H 'content-type: application/json' \
        -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$base/api/v1/auth/login" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

failed=0
for role in anonymous customer admin; do
    auth=()
    [ "$role" = anonymous ] || auth=(--header "Authorization: Bearer $(token "$role")")
    echo "== schemathesis as $role ($seconds s, seed $seed)"
    PYTHONPATH=$root/tests/fuzz SCHEMATHESIS_HOOKS=hooks timeout $((seconds + 120)) \
        python3 -m schemathesis.cli run "$base/api/openapi.json" \
        --checks all --exclude-checks positive_data_acceptance --no-color --workers 1 \
        --max-time "$seconds" --seed "$seed" "${auth[@]}" || failed=1
done
exit "$failed"
