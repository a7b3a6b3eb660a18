using ComplianceLedger.EventStore;
using Npgsql;

namespace ComplianceLedger.Tests.EventStore;

public sealed class LedgerDataSourceTests
{
    [Fact]
    public void The_ledger_settings_are_added_to_a_plain_connection_string()
    {
        var tuned = new NpgsqlConnectionStringBuilder(LedgerDataSource.Tune("Host=db;Database=ledger;Username=ledger_app"));

        Assert.True(tuned.NoResetOnClose);
        Assert.Equal(LedgerDataSource.MaxAutoPrepare, tuned.MaxAutoPrepare);
        Assert.Equal(("db", "ledger", "ledger_app"), (tuned.Host, tuned.Database, tuned.Username));
    }

    [Theory]
    [InlineData("Host=db;No Reset On Close=false;Max Auto Prepare=0")]
    [InlineData("Host=db;NoResetOnClose=false;MaxAutoPrepare=0")]
    public void Settings_the_connection_string_makes_itself_win(string connectionString)
    {
        var tuned = new NpgsqlConnectionStringBuilder(LedgerDataSource.Tune(connectionString));

        Assert.False(tuned.NoResetOnClose);
        Assert.Equal(0, tuned.MaxAutoPrepare);
    }
}
