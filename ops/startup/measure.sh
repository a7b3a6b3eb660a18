#!/bin/bash
# Start-up time of the app: process start to the first 200 from /health/ready (migrated, database
# answering, every hosted service started, Wolverine's included), RUNS times (default 5), median.
# usage: ops/startup/measure.sh <ComplianceLedger.Api.dll> <app connection string> [runs]
# The database must be migrated (ledger migrate). Production environment, no demo seeding.
set -euo pipefail
DLL=$1; CONNECTION=$2; RUNS=${3:-5}; PORT=${PORT:-5390}
KEY=$(mktemp -u /tmp/ledger-startup-key.XXXXXX.pem)
times=()
for run in $(seq 1 "$RUNS"); do
  start=$(date +%s%N)
  ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=http://127.0.0.1:$PORT ConnectionStrings__Ledger="$CONNECTION" \
    Ledger__SeedDemo=false Ledger__Signing__KeyFile="$KEY" Ledger__Signing__CreateIfMissing=true \
    dotnet "$DLL" > "/tmp/ledger-startup-$run.log" 2>&1 &
  pid=$!
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health/ready")" = "200" ]; do
    kill -0 $pid 2>/dev/null || { echo "the app exited; see /tmp/ledger-startup-$run.log" >&2; exit 1; }
    sleep 0.02
  done
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 )); times+=("$ms"); echo "run $run: $ms ms"
  kill -TERM $pid; wait $pid 2>/dev/null || true
done
rm -f "$KEY"
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}')
echo "median of $RUNS: $median ms"
