using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.EventStore;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ComplianceLedger.Tests.Scheduling;

/// <summary>
/// A school's clock that runs with the wall clock until <see cref="JumpAt"/>, then jumps to a later
/// day, as a simulation would: it says where its moments fall on the wall clock, so work due on
/// that later day is handled seconds from now (Wolverine fires scheduled messages by wall time).
/// </summary>
public sealed class JumpingClock : TimeProvider, IWallClockMapping
{
    DateTimeOffset jumpAt = DateTimeOffset.MaxValue;
    TimeSpan jump;

    /// <summary>From <paramref name="wall"/> on, the clock reads <paramref name="then"/> (and runs on from it).</summary>
    public void JumpAt(DateTimeOffset wall, DateTimeOffset then) => (jumpAt, jump) = (wall, then - wall);

    public override DateTimeOffset GetUtcNow()
    {
        var wall = DateTimeOffset.UtcNow;
        return wall >= jumpAt ? wall + jump : wall;
    }

    // Moments the jump skips over are passed at the jump.
    public DateTimeOffset WallClockOf(DateTimeOffset moment) =>
        moment - jump >= jumpAt ? moment - jump : moment >= jumpAt ? jumpAt : moment;
}

/// <summary>The app on that clock, looking for due scheduled messages every 200 ms.</summary>
public class ScheduledWorkApp : LedgerApp
{
    public JumpingClock Clock { get; } = new();

    /// <summary>What the app's Wolverine and the handlers logged, for a failure's message.</summary>
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder web)
    {
        web.UseSetting("Ledger:Scheduling:PollInterval", "00:00:00.200");
        web.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        web.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    /// <summary>Wolverine's stored envelopes and what it logged (warnings and worse, and the handlers' lines).</summary>
    public async Task<string> ReportAsync()
    {
        await using var command = AdminDataSource.CreateCommand("""
            SELECT 'envelope ' || status || ' owner=' || owner_id || ' at=' || COALESCE(execution_time::text, '-') || ' attempts=' || attempts || ' ' || message_type
              FROM wolverine.wolverine_incoming_envelopes
            UNION ALL SELECT 'dead ' || message_type || ' ' || COALESCE(exception_message, '') FROM wolverine.wolverine_dead_letters
            """);
        var report = new System.Text.StringBuilder();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            report.Append(reader.GetString(0)).Append('\n');
        }
        foreach (var line in Logs.Lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal)
            || l.StartsWith("Critical", StringComparison.Ordinal) || l.Contains("ExpiryDue", StringComparison.Ordinal)).Take(40))
        {
            report.Append(line[..Math.Min(line.Length, 600)]).Append('\n');
        }
        return report.ToString();
    }

    /// <summary>The stream's events of <paramref name="type"/>, with who recorded them, as the documented view has them.</summary>
    public async Task<List<(string Actor, string Data)>> EventsAsync(string urn, string streamId, string type)
    {
        await using var command = AdminDataSource.CreateCommand(
            "SELECT actor, data::text FROM ledger.events WHERE tenant = $1 AND stream_id = $2 AND event_type = $3 ORDER BY chain_position");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = type });
        var found = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found.Add((reader.GetString(0), reader.GetString(1)));
        }
        return found;
    }

    /// <summary>Messages waiting in Wolverine's storage for their time.</summary>
    /// <summary>Scheduled lapses (<c>ExpiryDue</c>): an approval also schedules its reminders, which are counted apart.</summary>
    public async Task<long> ScheduledMessagesAsync()
    {
        await using var command = AdminDataSource.CreateCommand(
            "SELECT count(*) FROM wolverine.wolverine_incoming_envelopes WHERE status = 'Scheduled' AND message_type LIKE '%ExpiryDue'");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Waits (up to <paramref name="timeout"/>) until <paramref name="done"/> holds.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await done())
            {
                return true;
            }
            await Task.Delay(100);
        }
        return await done();
    }

    /// <summary>Tomorrow in the school's time: the earliest date an approval may run until.</summary>
    public static DateOnly Tomorrow => SchoolDay.Today(TimeProvider.System).AddDays(1);
}
