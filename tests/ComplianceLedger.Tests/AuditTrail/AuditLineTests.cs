using System.Reflection;
using System.Text.RegularExpressions;
using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.EventStore;
using ComplianceLedger.Projections.ReadModels;

namespace ComplianceLedger.Tests.AuditTrail;

/// <summary>
/// Every event type's audit line, pure: each stable event name has its own words, names people
/// (never a raw person id), and shows nothing sealed. Adding an event type without a line fails here.
/// </summary>
public sealed partial class AuditLineTests
{
    static readonly Guid Actor = Guid.Parse("0190a0b0-0000-7000-8000-00000000ac70");
    static readonly Guid Subject = Guid.Parse("0190a0b0-0000-7000-8000-0000000005b1");
    static readonly Guid AccountId = Guid.Parse("0190a0b0-0000-7000-8000-0000000000a1");

    static readonly Dictionary<Guid, string> Names = new() { [Actor] = "Mr Jones", [Subject] = "Ms Patel" };

    /// <summary>The line as a reader sees it: people named, the account and the policy by what they are.</summary>
    static string Read(string line) => AuditLines.Tokens.Replace(line, m => m.Groups[1].Value switch
    {
        "person" => Names.TryGetValue(Guid.Parse(m.Groups[2].Value), out var name) ? name : "Another Person",
        "account" => "the X account @PE_BPA",
        _ => "Social Media Policy",
    });

    static readonly Dictionary<string, Type> Types = typeof(EventTypes).Assembly.GetTypes()
        .Where(t => t.GetCustomAttribute<EventTypeAttribute>() is not null)
        .ToDictionary(t => t.GetCustomAttribute<EventTypeAttribute>()!.Name);

    public static TheoryData<string, string> EveryEventType()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in EventTypes.Names.Order(StringComparer.Ordinal))
        {
            // Decisions are shared by declarations and exception requests; their words differ.
            foreach (var stream in name.StartsWith("exception.", StringComparison.Ordinal) && name != "exception.requested.v1"
                ? new[] { $"declaration-{Guid.Empty}", $"exception-{Guid.Empty}" }
                : [$"stream-{Guid.Empty}"])
            {
                data.Add(name, stream);
            }
        }
        return data;
    }

    static StoredEvent Stored(string type, string streamId, object @event, string actor) =>
        new(1, "139001", 1, streamId, 1, Guid.Empty, type, EventTypes.ToNewEvent(@event).Data, actor, null, null, null,
            DateTimeOffset.UnixEpoch, [], []);

    /// <summary>An instance of the event record with plausible values: the subject in person fields, references to the actor.</summary>
    static object Sample(Type type)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        // Named as in the event's JSON (camelCase).
        return constructor.Invoke([.. constructor.GetParameters().Select(p => Value(p.ParameterType, char.ToLowerInvariant(p.Name![0]) + p.Name[1..]))]);
    }

    static object? Value(Type type, string name)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(Guid))
        {
            return name.Contains("account", StringComparison.OrdinalIgnoreCase) ? AccountId : Subject;
        }
        if (underlying == typeof(string))
        {
            return name switch
            {
                _ when name.StartsWith("sealed", StringComparison.Ordinal) => $"pd1:{Subject:D}:c2VhbGVkLXZhbHVlLXRoYXQtbXVzdC1uZXZlci1zaG93",
                _ when name.EndsWith("By", StringComparison.Ordinal) || name.EndsWith("ByChair", StringComparison.Ordinal) => $"person:{Actor:D}",
                "policyId" => "social-media",
                "versionLabel" => "3",
                "title" => "Social Media Policy",
                "handle" => "@PE_BPA",
                "url" or "aupUrl" => "https://x.com/PE_BPA",
                "urn" => "139001",
                "name" => "Brookfield Primary Academy",
                "vaultReference" => "KeePass: Comms/X",
                _ => "REF-1",
            };
        }
        if (underlying == typeof(DateOnly))
        {
            return new DateOnly(2026, 9, 1);
        }
        if (underlying == typeof(DateTimeOffset))
        {
            return new DateTimeOffset(2026, 9, 1, 9, 0, 0, TimeSpan.Zero);
        }
        if (underlying == typeof(int))
        {
            return 14;
        }
        if (underlying == typeof(bool))
        {
            return true;
        }
        if (underlying.IsEnum)
        {
            return name == "decidedAs" || name == "reviewedAs" || name == "revokedAs" || name == "approvedAs"
                ? Role.Headteacher
                : Enum.GetValues(underlying).GetValue(0);
        }
        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            var element = underlying.GetGenericArguments()[0];
            var list = Array.CreateInstance(element, 1);
            list.SetValue(element == typeof(string) ? "bpa.sch.uk" : Value(element, name), 0);
            return list;
        }
        if (underlying.IsClass && underlying.GetConstructors() is [var record])
        {
            // A record inside an event (e.g. the notices a message was about): its own sample values.
            return record.Invoke([.. record.GetParameters().Select(p => Value(p.ParameterType, char.ToLowerInvariant(p.Name![0]) + p.Name[1..]))]);
        }
        throw new InvalidOperationException($"No sample value for {type.Name} {name}: extend the test.");
    }

    [Theory, MemberData(nameof(EveryEventType))]
    public void Every_event_type_has_its_own_line_naming_people_and_showing_nothing_sealed(string eventType, string streamId)
    {
        Assert.Contains(eventType, AuditLines.Described);
        var line = AuditLines.Line(Stored(eventType, streamId, Sample(Types[eventType]), $"person:{Actor:D}"));
        var read = Read(line);

        Assert.DoesNotContain("recorded an event", read, StringComparison.Ordinal);
        Assert.DoesNotContain("person:", read, StringComparison.Ordinal);
        Assert.DoesNotMatch(GuidPattern(), read);
        Assert.DoesNotContain("pd1:", read, StringComparison.Ordinal);
        Assert.DoesNotContain("KeePass", read, StringComparison.Ordinal);
        Assert.True(read.Contains("Mr Jones", StringComparison.Ordinal) || read.Contains("Ms Patel", StringComparison.Ordinal), read);
        Assert.DoesNotContain("{", read, StringComparison.Ordinal);
    }

    [Fact]
    public void No_two_event_types_read_the_same()
    {
        var lines = EveryEventType().Select(row => ((string)row[0], (string)row[1]))
            .Select(x => (x.Item1, Line: Read(AuditLines.Line(Stored(x.Item1, x.Item2, Sample(Types[x.Item1]), $"person:{Actor:D}")))))
            .ToList();
        Assert.Equal(lines.Count, lines.Select(l => l.Line).Distinct().Count());
    }

    [Fact]
    public void An_acknowledgement_reads_as_the_person_acknowledging_the_policy_version()
    {
        var e = new PolicyAcknowledged("social-media", "3", new string('a', 64), Subject, AcknowledgementMethod.InApp,
            DateTimeOffset.UnixEpoch, null);
        Assert.Equal("Ms Patel acknowledged Social Media Policy v3", Read(AuditLines.Line(Stored("policy.acknowledged.v1", "policy-social-media", e, $"person:{Subject:D}"))));
    }

    [Fact]
    public void Approving_a_declaration_reads_as_approving_the_declared_relationship_not_an_exception()
    {
        var e = new ExceptionApproved(Guid.Empty, Subject, "pd1:x", new DateOnly(2027, 9, 1), null, $"person:{Actor:D}", Role.Headteacher,
            DateTimeOffset.UnixEpoch);
        var read = Read(AuditLines.Line(Stored("exception.approved.v1", $"declaration-{Guid.Empty}", e, $"person:{Actor:D}")));
        Assert.Equal("Mr Jones (headteacher) approved the declared relationship of Ms Patel, with conditions, to be reviewed by 1 September 2027", read);

        var reviewed = new ExceptionReviewed(Guid.Empty, Subject, new DateOnly(2028, 9, 1), null, $"person:{Actor:D}", Role.Headteacher,
            DateTimeOffset.UnixEpoch);
        Assert.StartsWith("Mr Jones (headteacher) reviewed the declared relationship of Ms Patel",
            Read(AuditLines.Line(Stored("exception.reviewed.v1", $"declaration-{Guid.Empty}", reviewed, $"person:{Actor:D}"))), StringComparison.Ordinal);
    }

    [Fact]
    public void What_the_holder_records_of_their_own_item_reads_as_theirs()
    {
        var asked = new ExtensionRequested(Guid.Empty, Subject, new DateOnly(2027, 2, 14), "pd1:x", $"person:{Subject:D}", DateTimeOffset.UnixEpoch);
        Assert.Equal("Ms Patel asked for their exception request to be extended to 14 February 2027",
            Read(AuditLines.Line(Stored("exception.extension-requested.v1", $"exception-{Guid.Empty}", asked, $"person:{Subject:D}"))));
        var withdrawn = new ExceptionWithdrawn(Guid.Empty, Subject, "pd1:x", $"person:{Subject:D}", DateTimeOffset.UnixEpoch);
        Assert.Equal("Ms Patel withdrew their declared relationship",
            Read(AuditLines.Line(Stored("exception.withdrawn.v1", $"declaration-{Guid.Empty}", withdrawn, $"person:{Subject:D}"))));
        // Recorded by someone else, the holder is named.
        Assert.Equal("Mr Jones withdrew the declared relationship of Ms Patel",
            Read(AuditLines.Line(Stored("exception.withdrawn.v1", $"declaration-{Guid.Empty}", withdrawn, $"person:{Actor:D}"))));
    }

    [Fact]
    public void A_school_started_by_a_trust_leader_names_them_as_a_trust_leader_not_by_a_raw_id()
    {
        var actor = $"trust-leader:139001:{Actor:D}";
        var line = AuditLines.Line(new StoredEvent(1, "181001", 1, "school-181001", 1, Guid.Empty, "school.registered.v1",
            """{"urn":"181001","name":"Calcot Junior School","trustId":"kennet","trustName":null,"emailDomains":["calcot.sch.uk"],"handleTag":null}""",
            actor, null, null, null, DateTimeOffset.UnixEpoch, [], []));
        Assert.Equal("a trust leader (of school 139001) registered Calcot Junior School (URN 181001)", line);
        Assert.Equal("a trust leader (of school 139001)", AuditLines.Actor(actor));
    }

    [Fact]
    public void An_event_type_this_code_does_not_know_still_gets_a_line()
    {
        var line = AuditLines.Line(new StoredEvent(1, "139001", 1, "test", 1, Guid.Empty, "test.poison.v1", "{}", "system:test", null, null, null,
            DateTimeOffset.UnixEpoch, [], []));
        Assert.Equal("the system (test) recorded an event \"test poison\"", line);
    }

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex GuidPattern();
}
