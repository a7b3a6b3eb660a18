using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.Scheduling;
using Microsoft.AspNetCore.Hosting;
using MimeKit;
using Npgsql;

namespace ComplianceLedger.Tests.Notices;

/// <summary>
/// The app on a clock that can jump ahead, sending its mail to a real SMTP server on loopback,
/// gathering a person's notices for one second, looking for due messages every 200 ms. Everyone
/// the fixture enrols has a sign-in address, <c>{role}.{urn}@test.sch.uk</c>.
/// </summary>
public sealed class NoticesApp : ScheduledWorkApp
{
    public LoopbackSmtp Smtp { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Smtp = await LoopbackSmtp.StartNewAsync();
        await base.InitializeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder web)
    {
        base.ConfigureWebHost(web);
        web.UseSetting("Ledger:Mail:Host", LoopbackSmtp.Host);
        web.UseSetting("Ledger:Mail:Port", Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        web.UseSetting("Ledger:Mail:Security", "None");
        web.UseSetting("Ledger:Mail:From", "ComplianceLedger <ledger@test.sch.uk>");
        web.UseSetting("Ledger:Mail:GatherFor", "00:00:01");
        web.UseSetting("Ledger:Mail:RetryDelays:0", "00:00:01");
        web.UseSetting("Ledger:Mail:RetryDelays:1", "00:00:02");
    }

    protected override string? SignInEmail(string urn, Role role) => Address(urn, role);

    public static string Address(string urn, Role role) => $"{Roles.Name(role)}.{urn}@test.sch.uk";

    /// <summary>The messages the SMTP server has received for a school's people.</summary>
    public IReadOnlyList<MimeMessage> MessagesFor(string urn) =>
        [.. Smtp.Received.Where(m => m.To.Mailboxes.Any(a => a.Address.EndsWith($".{urn}@test.sch.uk", StringComparison.Ordinal)))];

    public IReadOnlyList<MimeMessage> MessagesTo(string urn, Role role) =>
        [.. Smtp.Received.Where(m => m.To.Mailboxes.Any(a => a.Address == Address(urn, role)))];

    /// <summary>When a rule's reminder row next falls due; null when it has none.</summary>
    public async Task<DateTimeOffset?> ReminderDueAtAsync(string urn, string key)
    {
        await using var command = AdminDataSource.CreateCommand("SELECT due_at FROM ledger.reminders WHERE tenant = $1 AND key = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        return await command.ExecuteScalarAsync() is DateTime due ? new DateTimeOffset(due, TimeSpan.Zero) : null;
    }

    /// <summary>The <c>reminder.sent.v1</c> events of a person's notices stream, as stored.</summary>
    public async Task<List<string>> SentEventsAsync(string urn, Guid personId)
    {
        await using var command = AdminDataSource.CreateCommand(
            "SELECT data::text FROM ledger.events WHERE tenant = $1 AND stream_id = $2 AND event_type = 'reminder.sent.v1' ORDER BY chain_position");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"notices-{personId:D}" });
        var list = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(reader.GetString(0));
        }
        return list;
    }
}
