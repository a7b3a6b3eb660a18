using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;
using Weasel.Core.Migrations;

namespace Spike;

public static class Setup
{
    public static async Task Sql(string user, string sql, string db = "spike")
    {
        await using var c = new NpgsqlConnection(Cfg.Cs(user, db));
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    public static async Task<List<object?[]>> Query(string user, string sql)
    {
        await using var c = new NpgsqlConnection(Cfg.Cs(user));
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await r.ReadAsync())
        {
            var row = new object?[r.FieldCount];
            for (var i = 0; i < r.FieldCount; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public static async Task Run()
    {
        await Sql("postgres", File.ReadAllText("sql/setup_roles.sql"), "postgres");
        await Sql("postgres", "DROP DATABASE IF EXISTS spike WITH (FORCE)", "postgres");
        await Sql("postgres", "CREATE DATABASE spike OWNER ledger_owner", "postgres");
        await Sql("postgres", "REVOKE ALL ON DATABASE spike FROM PUBLIC; GRANT CONNECT ON DATABASE spike TO ledger_app; REVOKE CREATE ON SCHEMA public FROM PUBLIC", "spike");

        // `ledger migrate`: the owner applies Marten's schema, then ours
        await using (var store = Cfg.Store("ledger_owner", auto: AutoCreate.CreateOrUpdate))
        {
            await store.Storage.Database.WriteMigrationFileAsync("marten_patch_on_empty.sql");
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }
        // the quick-append function's signature depends on the append mode: apply the other modes too
        foreach (var mode in new[] { EventAppendMode.Rich, EventAppendMode.QuickWithServerTimestamps })
        {
            await using var store = Cfg.Store("ledger_owner", mode, AutoCreate.CreateOrUpdate);
            await store.Storage.Database.WriteMigrationFileAsync($"marten_patch_then_{mode}.sql");
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }
        foreach (var r in await Query("ledger_owner", "select pg_get_function_identity_arguments(oid) from pg_proc where proname='mt_quick_append_events'"))
            Console.WriteLine("  mt_quick_append_events(" + r[0] + ")");
        await Sql("ledger_owner", File.ReadAllText("sql/ledger_chain.sql"));
        var grants = File.Exists("sql/app_grants.sql") ? File.ReadAllText("sql/app_grants.sql") : "";
        if (grants != "") await Sql("ledger_owner", grants);
        Console.WriteLine("setup done");
    }

    public static async Task SchemaChecks()
    {
        foreach (var auto in new[] { AutoCreate.CreateOrUpdate, AutoCreate.All })
        {
            using var store = Cfg.Store("ledger_owner", auto: auto);
            await store.Storage.Database.WriteMigrationFileAsync($"marten_patch_after_own_columns_{auto}.sql");
            try
            {
                await store.Storage.Database.AssertDatabaseMatchesConfigurationAsync();
                Console.WriteLine($"[{auto}] AssertDatabaseMatchesConfigurationAsync: matches");
            }
            catch (Exception e) { Console.WriteLine($"[{auto}] Assert: {e.GetType().Name}: {e.Message}"); }
        }
        using (var store = Cfg.Store("ledger_owner", auto: AutoCreate.CreateOrUpdate))
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }
        var cols = await Query("ledger_owner", "select string_agg(column_name||':'||data_type, ', ' order by ordinal_position) from information_schema.columns where table_schema='marten' and table_name='mt_events'");
        Console.WriteLine("mt_events columns after re-apply: " + cols[0][0]);
        var idx = await Query("ledger_owner", "select string_agg(indexname, ', ') from pg_indexes where schemaname='marten' and tablename='mt_events'");
        Console.WriteLine("mt_events indexes after re-apply: " + idx[0][0]);
        var trg = await Query("ledger_owner", "select string_agg(tgname, ', ') from pg_trigger where tgrelid='marten.mt_events'::regclass and not tgisinternal");
        Console.WriteLine("mt_events triggers after re-apply: " + trg[0][0]);
    }
}
