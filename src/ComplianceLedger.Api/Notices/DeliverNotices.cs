using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Mail;
using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.Projections.Rules;
using MimeKit;
using Npgsql;
using Wolverine;

namespace ComplianceLedger.Api.Notices;

/// <summary>The message: send the person what is waiting for them (docs/notifications.md, "Delivery").</summary>
public sealed record DeliverNotices(string Urn, Guid PersonId);

/// <summary>
/// Sends one message with everything waiting for a person, at most once a school day: later notices
/// wait for the next morning. Notices made moot since they fell due are dropped. The message is
/// rendered from the ledger now (names unsealed at this moment), sent, then recorded as
/// <c>reminder.sent.v1</c> with its Message-ID; a person with no address, or erased, is recorded as
/// undeliverable for the office. One delivery per person at a time (an advisory lock), so two
/// messages asked for together send once.
/// </summary>
public static partial class DeliverNoticesHandler
{
    public const string Actor = "system:notices";

    public static async Task Handle(
        DeliverNotices deliver, Envelope envelope, NpgsqlDataSource dataSource, LedgerStore store, PersonalDataVault vault,
        MailSender sender, MailSettings settings, NoticeLinks links, TimeProvider time, IMessageContext bus,
        ILogger<DeliverNotices> log, CancellationToken ct)
    {
        if (!string.Equals(envelope.TenantId, deliver.Urn, StringComparison.Ordinal))
        {
            LogWrongSchool(log, deliver.PersonId, envelope.TenantId);
            return;
        }
        var (urn, personId) = (deliver.Urn, deliver.PersonId);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var hold = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", connection, hold))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"notices:{urn}:{personId:D}" });
            await lockCommand.ExecuteNonQueryAsync(ct);
        }
        var waiting = await WaitingAsync(connection, hold, urn, personId, ct);
        if (waiting.Count == 0)
        {
            return;
        }
        var now = time.GetUtcNow();
        var today = SchoolDay.Of(now);
        var (state, _) = await StreamHandler.LoadAsync(store, urn, NoticeState.StreamId(personId), NoticeState.Stream, ct);
        if (state.LastSentOn == today)
        {
            var tomorrow = Reminders.MorningOf(today.AddDays(1));
            await bus.ScheduleAsync(deliver, ScheduledWork.WallClockOf(time, tomorrow));
            return;
        }

        var school = await SchoolAsync(connection, hold, urn, ct);
        var (moot, live) = await SortAsync(dataSource, store, urn, waiting, today, state.StoppedCopies, ct);
        var lines = new List<NoticeLine>();
        foreach (var notice in live)
        {
            lines.Add(notice.Kind switch
            {
                _ when notice.Kind.StartsWith("exception-", StringComparison.Ordinal) => await ExceptionLineAsync(connection, hold, vault, store, urn, notice, links.Site, ct),
                NoticeKinds.DeclarationAwaitingAdvice or NoticeKinds.DecisionAwaiting => await AwaitingLineAsync(connection, hold, vault, store, urn, notice, links.Site, ct),
                NoticeKinds.PolicyReviewDue => await ReviewLineAsync(connection, hold, urn, notice, links.Site, today, ct),
                NoticeKinds.CredentialsRotationDue => await RotationLineAsync(connection, hold, urn, notice, links.Site, ct),
                NoticeKinds.RetentionErased => await RetentionLineAsync(connection, hold, urn, notice, links.Site, ct),
                _ => await LineAsync(connection, hold, vault, urn, notice, links.Site, ct),
            });
        }
        var to = live.Count == 0 ? null : await AddressAsync(connection, hold, vault, urn, personId, ct);
        if (live.Count == 0 || to is null)
        {
            await SettleAsync(connection, hold, urn, moot, "moot", null, now, ct);
            await SettleAsync(connection, hold, urn, live, "undeliverable", null, now, ct);
            await hold.CommitAsync(ct);
            if (live.Count > 0)
            {
                LogUndeliverable(log, urn, personId, live.Count);
            }
            return;
        }
        var from = settings.FromFor(school.TrustId);
        var messageId = NoticeMessage.MessageId(urn, personId, today, from);
        var message = NoticeMessage.Build(from, new MailboxAddress(to.Value.Name, to.Value.Email), messageId, school.Name, to.Value.Name, lines,
            unsubscribeUrl: live.Any(n => NoticeKinds.Optional.Contains(n.Kind)) ? links.StopCopiesUrl(urn, personId) : null);
        await sender.SendAsync(message, ct);

        var sent = new ReminderSent(personId, $"<{messageId}>", today,
            [.. live.Select(n => new SentNotice(n.Kind, n.About is { } about ? $"{n.Subject}:{about:D}" : n.Subject, n.DueOn))], now);
        var context = CommandContext.ForOperator(urn, Actor, now, commandId: $"notice:{personId:D}:{today:yyyy-MM-dd}");
        try
        {
            await StreamHandler.HandleAsync(store, context, NoticeState.StreamId(personId), NoticeState.Stream, s => NoticeState.Decide(sent, s), ct);
        }
        catch (CommandRefusedException)
        {
            // Recorded by an earlier attempt whose settling did not commit: the record stands.
        }
        await SettleAsync(connection, hold, urn, moot, "moot", null, now, ct);
        await SettleAsync(connection, hold, urn, live, "sent", sent.MessageId, now, ct);
        await hold.CommitAsync(ct);
    }

    sealed record Waiting(string Id, string Kind, string Subject, Guid? About, string Reminder, DateOnly DueOn);

    static async Task<List<Waiting>> WaitingAsync(NpgsqlConnection c, NpgsqlTransaction tx, string urn, Guid personId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT id, kind, subject, about, reminder, due_on FROM ledger.pending_notices
             WHERE tenant = $1 AND person_id = $2 AND outcome IS NULL ORDER BY due_on, kind, id
            """, c, tx);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
        var list = new List<Waiting>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new Waiting(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetGuid(3),
                reader.GetString(4), reader.GetFieldValue<DateOnly>(5)));
        }
        return list;
    }

    /// <summary>Which notices still stand: an acknowledgement asked for is moot once given, declined or no longer owed.</summary>
    static async Task<(List<Waiting> Moot, List<Waiting> Live)> SortAsync(
        NpgsqlDataSource dataSource, LedgerStore store, string urn, List<Waiting> waiting, DateOnly today, bool stoppedCopies, CancellationToken ct)
    {
        var (moot, live) = (new List<Waiting>(), new List<Waiting>());
        foreach (var notice in waiting)
        {
            var stands = !(stoppedCopies && NoticeKinds.Optional.Contains(notice.Kind));
            if (stands && notice.Reminder.StartsWith(AcknowledgementReminders.Prefix, StringComparison.Ordinal))
            {
                var owing = notice.About ?? PersonOf(notice.Reminder);
                var policyId = notice.Subject[..notice.Subject.IndexOf(':', StringComparison.Ordinal)];
                var (person, version, latest) = await AcknowledgementReminders.FactsAsync(dataSource, urn, owing, policyId, ct);
                stands = person is not null && version is not null && $"{version.PolicyId}:{version.VersionLabel}" == notice.Subject
                    && AcknowledgementCoverage.Evaluate(person, version, latest, today)?.Status is ComplianceStatus.Due or ComplianceStatus.Overdue;
            }
            else if (stands && notice.Kind is NoticeKinds.ExceptionEnding or NoticeKinds.ExceptionEndingCopy)
            {
                // Revoked, extended or reviewed to another date since: the notice no longer says anything true.
                var (itemId, until) = ExceptionReminders.ParseSubject(notice.Subject);
                var (_, _, item) = await Exceptions.ExceptionCase.FindAsync(store, urn, itemId, ct);
                stands = ExceptionReminders.StillEnding(item, until);
            }
            else if (stands && notice.Kind is NoticeKinds.DeclarationAwaitingAdvice or NoticeKinds.DecisionAwaiting)
            {
                // Advised, decided or withdrawn since: nothing waits for this reader any more.
                var itemId = Guid.Parse(notice.Subject.AsSpan(0, 36));
                stands = await AwaitingReminders.AwaitingAsync(dataSource, urn, itemId, ct) is var (awaiting, _)
                    && AwaitingReminders.Subject(itemId, awaiting) == notice.Subject;
            }
            else if (stands && notice.Kind == NoticeKinds.PolicyReviewDue)
            {
                // Reviewed, replaced or retired since: the date it names is no longer the policy's.
                var (policyId, label, reviewDue) = PolicyReviewReminders.ParseSubject(notice.Subject);
                var (policy, _) = await StreamHandler.LoadAsync(store, urn, Policies.Policy.StreamId(policyId), Policies.Policy.Stream, ct);
                stands = PolicyReviewReminders.Stands(policy, label, reviewDue);
            }
            else if (stands && notice.Kind == NoticeKinds.CredentialsRotationDue)
            {
                // Rotated or decommissioned since: nothing is owed.
                var (accountId, since) = CredentialRotationReminders.ParseSubject(notice.Subject);
                var facts = await CredentialRotationReminders.FactsAsync(dataSource, urn, accountId, ct);
                stands = facts.Account is { Decommissioned: false } account
                    && CredentialRotationReminders.Since(account, facts.Triggers, facts.Rotations, today) == since;
            }
            (stands ? live : moot).Add(notice);
        }
        return (moot, live);
    }

    static Guid PersonOf(string acknowledgementKey) =>
        Guid.Parse(acknowledgementKey.AsSpan(AcknowledgementReminders.Prefix.Length, 36));

    static async Task<NoticeLine> LineAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, PersonalDataVault vault, string urn, Waiting notice, string site, CancellationToken ct)
    {
        var colon = notice.Subject.IndexOf(':', StringComparison.Ordinal);
        var (policyId, label) = (notice.Subject[..colon], notice.Subject[(colon + 1)..]);
        var title = await ScalarAsync(c, tx, "SELECT title FROM rm.policy_versions WHERE tenant = $1 AND policy_id = $2 AND version_label = $3", ct, urn, policyId, label)
            ?? policyId;
        var what = $"{title} version {label}";
        var link = $"{site}/schools/{urn}/policies/{policyId}";
        var due = await DeadlineAsync(c, tx, urn, notice, ct);
        var by = due is { } d ? $" by {d:dddd d MMMM yyyy}" : "";
        switch (notice.Kind)
        {
            case NoticeKinds.AcknowledgementRequested:
                return new NoticeLine(notice.Kind, $"Please read and acknowledge {what}{by}.", link);
            case NoticeKinds.AcknowledgementDueSoon:
                return new NoticeLine(notice.Kind, $"Reminder: acknowledge {what}{by}.", link);
            case NoticeKinds.AcknowledgementOverdue:
                return new NoticeLine(notice.Kind, $"Overdue: you have not yet acknowledged {what}; it was due{(due is { } o ? $" on {o:dddd d MMMM yyyy}" : "")}.", link);
            case NoticeKinds.AcknowledgementOverdueCopy:
                var name = notice.About is { } about ? await NameAsync(c, tx, vault, urn, about, ct) : null;
                return new NoticeLine(notice.Kind,
                    $"{name ?? "Someone"} has not acknowledged {what}, more than 14 days after it was due{(due is { } od ? $" ({od:d MMMM yyyy})" : "")}.",
                    $"{site}/schools/{urn}/compliance");
            default:
                return new NoticeLine(notice.Kind, notice.Kind, $"{site}/schools/{urn}/to-do");
        }
    }

    static async Task<NoticeLine> ExceptionLineAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, PersonalDataVault vault, LedgerStore store, string urn, Waiting notice, string site, CancellationToken ct)
    {
        var (itemId, until) = ExceptionReminders.ParseSubject(notice.Subject);
        var (_, _, item) = await Exceptions.ExceptionCase.FindAsync(store, urn, itemId, ct);
        var what = item.IsDeclaration ? $"declared relationship ({Words(item.Kind)})" : $"exception ({Words(item.Kind)})";
        var holder = notice.About is { } about ? await NameAsync(c, tx, vault, urn, about, ct) ?? "Someone" : null;
        var link = $"{site}/schools/{urn}/exceptions/{itemId:D}";
        return notice.Kind switch
        {
            NoticeKinds.ExceptionEnding => new NoticeLine(notice.Kind,
                $"Your approved {what} ends after {until:dddd d MMMM yyyy}. If you still need it, ask for an extension before then.", link),
            NoticeKinds.ExceptionEndingCopy => new NoticeLine(notice.Kind, $"{holder}'s approved {what} ends after {until:dddd d MMMM yyyy}.", link),
            NoticeKinds.ExceptionLapsed => new NoticeLine(notice.Kind,
                $"Your approved {what} has lapsed: it ran to {until:dddd d MMMM yyyy}. If it is still needed, it needs a fresh decision.", link),
            _ => new NoticeLine(notice.Kind, $"{holder}'s approved {what} has lapsed: it ran to {until:dddd d MMMM yyyy}.", link),
        };
    }

    static async Task<NoticeLine> AwaitingLineAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, PersonalDataVault vault, LedgerStore store, string urn, Waiting notice, string site, CancellationToken ct)
    {
        var itemId = Guid.Parse(notice.Subject.AsSpan(0, 36));
        var (_, _, item) = await Exceptions.ExceptionCase.FindAsync(store, urn, itemId, ct);
        var what = item.IsDeclaration ? $"declared relationship ({Words(item.Kind)})" : $"exception request ({Words(item.Kind)})";
        var holder = notice.About is { } about ? await NameAsync(c, tx, vault, urn, about, ct) ?? "someone" : "someone";
        return notice.Kind == NoticeKinds.DeclarationAwaitingAdvice
            ? new NoticeLine(notice.Kind, $"A {what} from {holder} has waited {AwaitingReminders.FirstAfter} school days or more for your advice.",
                $"{site}/schools/{urn}/exceptions/{itemId:D}")
            : new NoticeLine(notice.Kind, $"A {what} from {holder} has waited {AwaitingReminders.FirstAfter} school days or more for your decision.",
                $"{site}/schools/{urn}/approvals");
    }

    static async Task<NoticeLine> ReviewLineAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, string urn, Waiting notice, string site, DateOnly today, CancellationToken ct)
    {
        var (policyId, label, reviewDue) = PolicyReviewReminders.ParseSubject(notice.Subject);
        await using var command = new NpgsqlCommand(
            "SELECT title, responsible_committee FROM rm.policy_versions WHERE tenant = $1 AND policy_id = $2 AND version_label = $3", c, tx);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = policyId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = label });
        var (title, committee) = (policyId, (string?)null);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                (title, committee) = (reader.GetString(0), reader.GetString(1));
            }
        }
        var days = reviewDue.DayNumber - today.DayNumber;
        var when = days switch { 0 => "today", 1 => "tomorrow", _ => $"in {days} days" };
        return new NoticeLine(notice.Kind,
            $"{title} version {label} is due for review on {reviewDue:dddd d MMMM yyyy}, {when}.{(committee is null ? "" : $" It is the {committee}'s to review.")}",
            $"{site}/schools/{urn}/policies/{policyId}");
    }

    static async Task<NoticeLine> RotationLineAsync(NpgsqlConnection c, NpgsqlTransaction tx, string urn, Waiting notice, string site, CancellationToken ct)
    {
        var (accountId, since) = CredentialRotationReminders.ParseSubject(notice.Subject);
        await using var command = new NpgsqlCommand("SELECT platform, handle FROM rm.official_accounts WHERE tenant = $1 AND account_id = $2", c, tx);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = accountId });
        var account = "an official account";
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                account = $"the {reader.GetString(0)} account {reader.GetString(1)}";
            }
        }
        return new NoticeLine(notice.Kind,
            $"The login details of {account} need changing: someone who knew them left or changed role on {since:dddd d MMMM yyyy}. "
            + "Change them, lodge the new details, and record the rotation.",
            $"{site}/schools/{urn}/accounts/{accountId:D}");
    }

    static async Task<NoticeLine> RetentionLineAsync(NpgsqlConnection c, NpgsqlTransaction tx, string urn, Waiting notice, string site, CancellationToken ct)
    {
        var day = DateOnly.ParseExact(notice.Subject, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var count = await RetentionNotices.CountAsync(c, tx, urn, day, ct);
        var what = count == 1 ? "one person's or record's personal details were" : $"the personal details of {count} people or records were";
        return new NoticeLine(notice.Kind,
            $"On {day:dddd d MMMM yyyy} {what} erased under the school's retention schedule. The records stay in the ledger and still verify; the names now read \"erased under retention\".",
            $"{site}/schools/{urn}/retention");
    }

    static string Words(string kebab) => kebab.Replace('-', ' ');

    static async Task<DateOnly?> DeadlineAsync(NpgsqlConnection c, NpgsqlTransaction tx, string urn, Waiting notice, CancellationToken ct)
    {
        var owing = notice.About ?? PersonOf(notice.Reminder);
        var policyId = notice.Subject[..notice.Subject.IndexOf(':', StringComparison.Ordinal)];
        await using var command = new NpgsqlCommand("SELECT due_on FROM rm.compliance WHERE tenant = $1 AND rule = 'acknowledgement' AND subject_id = $2", c, tx);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = AcknowledgementCoverage.SubjectId(owing, policyId) });
        return await command.ExecuteScalarAsync(ct) is DateOnly due ? due : null;
    }

    sealed record School(string Name, string? TrustId);

    static async Task<School> SchoolAsync(NpgsqlConnection c, NpgsqlTransaction tx, string urn, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT name, trust_id FROM rm.schools WHERE tenant = $1", c, tx);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new School(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : new School($"school {urn}", null);
    }

    /// <summary>The person's name and sign-in address, unsealed now; null when they have none or were erased.</summary>
    static async Task<(string Name, string Email)?> AddressAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, PersonalDataVault vault, string urn, Guid personId, CancellationToken ct)
    {
        var sealedEmail = await ScalarAsync(c, tx, "SELECT sealed_email FROM rm.sign_in_emails WHERE tenant = $1 AND person_id = $2::uuid LIMIT 1", ct, urn, personId.ToString());
        if (sealedEmail is null || await vault.OpenAsync(urn, sealedEmail, ct) is not { } email)
        {
            return null;
        }
        return (await NameAsync(c, tx, vault, urn, personId, ct) ?? email, email);
    }

    static async Task<string?> NameAsync(NpgsqlConnection c, NpgsqlTransaction tx, PersonalDataVault vault, string urn, Guid personId, CancellationToken ct) =>
        await ScalarAsync(c, tx, "SELECT sealed_name FROM rm.people WHERE tenant = $1 AND person_id = $2::uuid", ct, urn, personId.ToString()) is { } sealedName
            ? await vault.OpenAsync(urn, sealedName, ct)
            : null;

    static async Task<string?> ScalarAsync(NpgsqlConnection c, NpgsqlTransaction tx, string sql, CancellationToken ct, params string[] args)
    {
        await using var command = new NpgsqlCommand(sql, c, tx);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = arg });
        }
        return await command.ExecuteScalarAsync(ct) as string;
    }

    static async Task SettleAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, string urn, List<Waiting> notices, string outcome, string? messageId, DateTimeOffset now, CancellationToken ct)
    {
        if (notices.Count == 0)
        {
            return;
        }
        await using var command = new NpgsqlCommand("""
            UPDATE ledger.pending_notices SET outcome = $3, message_id = $4, settled_at = $5
             WHERE tenant = $1 AND id = ANY ($2) AND outcome IS NULL
            """, c, tx);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. notices.Select(n => n.Id)] });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = outcome });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)messageId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        await command.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(LogLevel.Warning, "Notices for {PersonId} arrived for school {Tenant}, not their own; ignored")]
    static partial void LogWrongSchool(ILogger log, Guid personId, string? tenant);

    [LoggerMessage(LogLevel.Warning, "School {Tenant}: {Count} notices for {PersonId} could not be sent (no sign-in email, or erased)")]
    static partial void LogUndeliverable(ILogger log, string tenant, Guid personId, int count);
}
