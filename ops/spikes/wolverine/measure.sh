#!/bin/bash
# time from process start to first HTTP 200 on a Wolverine endpoint (GET /wapi/.../exceptions/x -> 404 is not 200, so use /health/live then a wolverine endpoint)
DLL=$1; PORT=$2
for run in 1 2 3; do
  s=$(date +%s%N)
  ASPNETCORE_URLS=http://127.0.0.1:$PORT ConnectionStrings__Marten="Host=127.0.0.1;Port=55432;Username=postgres;Database=spike" dotnet $DLL > /tmp/measure-$PORT.log 2>&1 &
  pid=$!
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"holder":"p","description":"d"}' http://127.0.0.1:$PORT/wapi/schools/139009/exceptions)" = "201" ]; do sleep 0.05; done
  e=$(date +%s%N); echo "run $run: $(( (e-s)/1000000 )) ms to first 201 on a Wolverine endpoint"
  kill $pid; wait $pid 2>/dev/null
done
