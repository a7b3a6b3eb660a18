#!/bin/bash
# round 2: alternate trigger on/off so load drift hits both; plus pgbench straight into mt_events (server cost of the trigger alone)
cd "$(dirname "$0")/src/bin/Debug/net10.0"
P="psql -h /work/wt/spike-marten/pg -p 55432 -U postgres -d spike -q"
S=${1:-10}
$P -c "insert into marten.mt_streams (id, type, version, tenant_id) select 'bench-'||t, 'person', 0, t::text from generate_series(1,50) t on conflict do nothing"
cat > /tmp/spike_marten_mt.sql <<'S'
\set t random(1, 50)
INSERT INTO marten.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, user_name)
VALUES (nextval('marten.mt_events_sequence'), gen_random_uuid(), 'bench-' || :t, currval('marten.mt_events_sequence'),
        '{"personId":"p","policyId":"pol","policyVersion":1}', 'policy.acknowledged.v1', :t::text, now(), 'person:p');
S
cat > /tmp/spike_marten_insert.sql <<'S'
\set t random(1, 50)
INSERT INTO bench.plain (tenant, stream_id, version, data) VALUES (:t::text, 'person-x', 1, '{"personId":"p","policyId":"pol","policyVersion":1}');
S
pgb() { /usr/lib/postgresql/15/bin/pgbench -h /work/wt/spike-marten/pg -p 55432 -U postgres -n -c 8 -j 2 -T $S -f $1 spike 2>/dev/null | grep -E "^tps" | sed "s/^/BENCH pgbench $2: /"; }
trig() { $P -c "ALTER TABLE marten.mt_events $1 TRIGGER mt_events_chain"; }
pgb /tmp/spike_marten_insert.sql "plain INSERT"
trig DISABLE; pgb /tmp/spike_marten_mt.sql "INSERT into mt_events, no trigger"
trig ENABLE;  pgb /tmp/spike_marten_mt.sql "INSERT into mt_events, chain trigger"
dotnet Spike.dll bench "Marten QWST, chain trigger (r2a)" QuickWithServerTimestamps true $S
dotnet Spike.dll bench "Marten QWST, no trigger (r2a)" QuickWithServerTimestamps false $S
dotnet Spike.dll bench "Marten QWST, chain trigger (r2b)" QuickWithServerTimestamps true $S
dotnet Spike.dll bench "Marten QWST, no trigger (r2b)" QuickWithServerTimestamps false $S
trig DISABLE; pgb /tmp/spike_marten_mt.sql "INSERT into mt_events, no trigger (2)"
trig ENABLE;  pgb /tmp/spike_marten_mt.sql "INSERT into mt_events, chain trigger (2)"
pgb /tmp/spike_marten_insert.sql "plain INSERT (2)"
