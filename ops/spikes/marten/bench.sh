#!/bin/bash
# one run: pgbench plain INSERT, Marten without / with the chain trigger, pgbench again
cd "$(dirname "$0")/src/bin/Debug/net10.0"
P="psql -h /work/wt/spike-marten/pg -p 55432 -U postgres -d spike -q"
$P -c "create schema if not exists bench; drop table if exists bench.plain; create table bench.plain (id bigint generated always as identity primary key, tenant text not null, stream_id text not null, version bigint not null, data jsonb not null, recorded_at timestamptz not null default now())"
cat > /tmp/spike_marten_insert.sql <<'S'
\set t random(1, 50)
INSERT INTO bench.plain (tenant, stream_id, version, data) VALUES (:t::text, 'person-x', 1, '{"personId":"p","policyId":"pol","policyVersion":1}');
S
pgb() { /usr/lib/postgresql/15/bin/pgbench -h /work/wt/spike-marten/pg -p 55432 -U postgres -n -c 8 -j 2 -T ${1} -f /tmp/spike_marten_insert.sql spike 2>/dev/null | grep -E "^tps" | sed "s/^/BENCH pgbench plain INSERT ($2): /"; }
S=${1:-10}
pgb $S before
dotnet Spike.dll bench "Marten QuickWithServerTimestamps, no trigger" QuickWithServerTimestamps false $S
dotnet Spike.dll bench "Marten QuickWithServerTimestamps, chain trigger" QuickWithServerTimestamps true $S
dotnet Spike.dll bench "Marten Rich, chain trigger" Rich true $S
dotnet Spike.dll bench "Marten Rich, no trigger" Rich false $S
pgb $S after
