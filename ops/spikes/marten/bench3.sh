#!/bin/bash
# where the trigger's cost goes: pgbench straight into mt_events, 8 clients, 50 tenants, 10 s each
P="psql -h /work/wt/spike-marten/pg -p 55432 -U postgres -d spike -q"
pgb() { /usr/lib/postgresql/15/bin/pgbench -h /work/wt/spike-marten/pg -p 55432 -U postgres -n -c 8 -j 2 -T 10 -f /tmp/spike_marten_mt.sql spike 2>/dev/null | grep -E "^tps" | sed "s/^/BENCH3 $1: /"; }
$P -c "ALTER TABLE marten.mt_events DISABLE TRIGGER mt_events_chain"; pgb "no trigger"
$P -c "ALTER TABLE marten.mt_events ENABLE TRIGGER mt_events_chain"; pgb "chain trigger as designed"
$P -c "ALTER FUNCTION ledger.chain_event() SECURITY INVOKER"; pgb "chain trigger, SECURITY INVOKER"
$P -c "ALTER FUNCTION ledger.chain_event() SECURITY DEFINER"
$P -c "ALTER TABLE ledger.chain DISABLE TRIGGER chain_only_from_trigger"; pgb "chain trigger, no depth guard on ledger.chain"
$P -c "ALTER TABLE ledger.chain ENABLE TRIGGER chain_only_from_trigger"
$P -c "ALTER TABLE marten.mt_events DISABLE TRIGGER mt_events_chain"; pgb "no trigger (2)"
