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
# Part of CI: .ci/run runs it after `cargo test`. A run depends on its seed and the server
# only: a fresh data dir, one worker, no schemathesis cache or example database between runs
# (schemathesis.toml). Two things still vary, and are left to vary rather than hidden: how
# many cases fit in the time (a slower machine sends fewer), and the ids the server makes up
# (random), which the stateful phase feeds from one response into the next request.
#
# FUZZ_SECONDS per role (default 60), FUZZ_SEED (default 20261206), FUZZ_PORT (default 18090).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${REZERVE_BIN:-$root/target/debug/rezerve}
seconds=${FUZZ_SECONDS:-60}
seed=${FUZZ_SEED:-20261206}
port=${FUZZ_PORT:-18090}
base=http://127.0.0.1:$port
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

cd "$work"
# (Without REZERVE_BIN: the server reads every REZERVE_* variable as a config key.)
env -u REZERVE_BIN REZERVE_SERVER__LISTEN=127.0.0.1:$port \
    REZERVE_SERVER__METRICS_LISTEN=127.0.0.1:$((port + 1)) \
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

# Both tokens before any run: the anonymous run's wrong passwords trip the login throttle for
# this address (429), after which the demo accounts could not log in either.
customer=$(token customer)
admin=$(token admin)

failed=0
for role in anonymous customer admin; do
    auth=()
    [ "$role" = anonymous ] || auth=(--header "Authorization: Bearer ${!role}")
    echo "== schemathesis as $role ($seconds s, seed $seed)"
    PYTHONPATH=$root/tests/fuzz SCHEMATHESIS_HOOKS=hooks timeout $((seconds + 120)) \
        python3 -m schemathesis.cli --config-file "$root/tests/fuzz/schemathesis.toml" \
        run "$base/api/openapi.json" \
        --checks all --exclude-checks positive_data_acceptance --no-color \
        --max-time "$seconds" --seed "$seed" "${auth[@]}" || failed=1
done
exit "$failed"
