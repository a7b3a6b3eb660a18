using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Migrations;
using ComplianceLedger.Projections;
using Npgsql;

namespace ComplianceLedger.Tests.Fixtures;

/// <summary>A fresh, migrated database for one test class, dropped after it.</summary>
public class LedgerDatabase : IAsyncLifetime
{
    public string Name { get; } = $"ledger_{Guid.NewGuid():N}";
    public PostgresServer Server { get; private set; } = null!;
    public string AdminConnectionString => Server.AdminConnectionString(Name);
    public string AppConnectionString => Server.AppConnectionString(Name);

    /// <summary>Connects as <c>ledger_app</c>, the role the application runs as.</summary>
    public NpgsqlDataSource AppDataSource { get; private set; } = null!;

    /// <summary>Connects as the administrative (superuser) role, for setting up tampering.</summary>
    public NpgsqlDataSource AdminDataSource { get; private set; } = null!;

    public LedgerStore Store(TimeProvider? time = null) => new(AppDataSource, time ?? TimeProvider.System);

    /// <summary>The last migration the database starts with: all of them, unless a fixture wants an earlier release's schema.</summary>
    protected virtual int MigrateUpTo => int.MaxValue;

    public virtual async Task InitializeAsync()
    {
        Server = await PostgresServer.GetAsync();
        await Server.CatalogLock.WaitAsync();
        try
        {
            await Server.CreateDatabaseAsync(Name);
            await LedgerMigrator.MigrateAsync(AdminConnectionString,
                Server.Cluster is null ? PostgresServer.AppRolePassword : null, ProjectionSchema.Scripts, MigrateUpTo);
        }
        finally
        {
            Server.CatalogLock.Release();
        }
        AppDataSource = NpgsqlDataSource.Create(AppConnectionString);
        AdminDataSource = NpgsqlDataSource.Create(AdminConnectionString);
    }

    public virtual async Task DisposeAsync()
    {
        await AppDataSource.DisposeAsync();
        await AdminDataSource.DisposeAsync();
        await Server.CatalogLock.WaitAsync();
        try
        {
            await Server.DropDatabaseAsync(Name);
        }
        finally
        {
            Server.CatalogLock.Release();
        }
    }

    /// <summary>The ledger's events (at one school, of one stable event name, when given).</summary>
    public async Task<long> CountEventsAsync(string? tenant = null, string? eventType = null)
    {
        await using var command = AdminDataSource.CreateCommand(
            "SELECT count(*) FROM ledger.events WHERE ($1::text IS NULL OR tenant = $1) AND ($2::text IS NULL OR event_type = $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)tenant ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)eventType ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs SQL as the superuser.</summary>
    public async Task ExecuteAsAdminAsync(string sql)
    {
        await using var command = AdminDataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
