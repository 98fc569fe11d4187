#!/usr/bin/env bash
# Try the suite at $LC (a layers-conformance executable) against the independent Node.js +
# PostgreSQL server: still, live (writer), behind a gateway (10 rps, 429 without Retry-After,
# a 502 page every 25th request), and both. Reseeds the database first.
set -u
LC=${LC:-$(cd "$(dirname "$0")/../.." && pwd)/.venv/bin/layers-conformance}
OUT=${OUT:-/tmp/indep-try}
SIZE=${SIZE:-150}
PROFILE=${PROFILE:-standard}
SEED=${SEED:-1}
cd "$(dirname "$0")"
export LAYERS_API_KEY=indep_full_0123456789 LAYERS_API_KEY_NO_SCOPE=indep_noscope_0123456789
pkill -f "node server.js" ; pkill -f "node writer.js"; pkill -f "node gateway.js"; sleep 1.5; rm -f /tmp/indep.json
node server.js --port 8700 --size "$SIZE" ${SERVER_ARGS:-} > /tmp/indep.json 2>/tmp/indep.err &
for i in $(seq 50); do [ -s /tmp/indep.json ] && break; sleep 0.5; done
python3 - <<'PY'
import json
d=json.load(open('/tmp/indep.json'))
entry=lambda port: f"""    base_url: http://127.0.0.1:{port}
    auth:
      scheme: x-api-key
      key: ${{LAYERS_API_KEY}}
      key_without_scope: ${{LAYERS_API_KEY_NO_SCOPE}}
    fixtures:
      project_id: {d['main']}
      empty_project_id: {d['empty']}
      foreign_project_id: {d['foreign']}
      archived_influencer_ids: {json.dumps(d['archived'])}
"""
open('targets.yaml','w').write("targets:\n  indep:\n"+entry(8700)+"  gateway:\n"+entry(8701))
open('main.txt','w').write(d['main'])
PY
mode=${1:-still}
case $mode in
  live|both) node writer.js --project "$(cat main.txt)" --create-ms 500 --move-ms 1500 --archive-ms 3000 > /tmp/writer.log 2>&1 & ;;
esac
target=indep
case $mode in
  gateway|both) node gateway.js --upstream http://127.0.0.1:8700 --port 8701 --rps 10 --blip-every 25 --headers "${HEADERS:-none}" > /tmp/gw.log 2>&1 & sleep 0.5; target=gateway ;;
esac
start=$(date +%s.%N)
timeout 900 "$LC" run --targets-file targets.yaml --target "$target" --report-dir "$OUT/$mode" --seed "$SEED" --profile "$PROFILE" "${@:2}" > "$OUT-$mode.log" 2>&1
rc=$?
end=$(date +%s.%N)
pkill -f 'node writer.js'; pkill -TERM -f 'node gateway.js'; sleep 0.3
echo "mode=$mode profile=$PROFILE seed=$SEED exit=$rc wall=$(python3 -c "print(round($end-$start,1))")s writer_changes=$( [ -f /tmp/writer.log ] && wc -l </tmp/writer.log || echo 0) gateway=$(tail -1 /tmp/gw.log 2>/dev/null)"
grep -E "^(FAIL|verdict|run aborted)" "$OUT-$mode.log" | head -12
rm -f /tmp/writer.log /tmp/gw.log
