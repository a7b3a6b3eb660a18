using System.Security.Cryptography;
using System.Text;
using ComplianceLedger.Api.Acknowledgements;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Import;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.EventStore.Projections;
using Npgsql;

namespace ComplianceLedger.Api.Demo;

/// <summary>
/// A large, plausible trust for benchmarks: N schools sharing E events, each school a register,
/// a few hundred people (each with a sign-in email, person.N@ the school's domain, as the demo
/// school's first.last@), five policies re-published many times and acknowledged by most. Events
/// are bulk-imported (COPY, same chain as appends) and the read models rebuilt from them, so
/// what the dashboards read is exactly what the ledger says.
/// </summary>
public sealed class SyntheticTrust(NpgsqlDataSource dataSource, PersonalDataVault vault, IEnumerable<IProjection> projections, SignIn.SignInEmails emails)
{
    // Sealing is a round trip each; a few at once keep the seeding as quick as it was before emails.
    const int SealingAtOnce = 4;

    const string Operator = "system:seed-synthetic";
    const int PoliciesPerSchool = 5;
    static readonly Role[] StaffRoles = [Role.Teacher, Role.SupportStaff, Role.Teacher, Role.SupportStaff, Role.Volunteer, Role.Governor];

    /// <param name="progress">Called with the events written so far.</param>
    /// <param name="buildReadModels">False to leave the read models to a later rebuild (a rebuild benchmark's own).</param>
    /// <returns>The number of events written.</returns>
    /// <param name="checkpointKey">When given, each school's history ends with a tree head signed by it, as every writer of history leaves one.</param>
    /// <param name="peoplePerSchool">How many people each school has (else a number that suits the events: 10 to 400).</param>
    public async Task<long> SeedAsync(
        int schools, long events, string trustId, Action<long>? progress = null, bool buildReadModels = true,
        EventStore.Checkpoints.SigningKey? checkpointKey = null, int? peoplePerSchool = null, CancellationToken ct = default)
    {
        var checkpoints = checkpointKey is null ? null : new EventStore.Checkpoints.CheckpointIssuer(dataSource, checkpointKey, TimeProvider.System);
        var perSchool = Math.Max(20, events / schools);
        var people = peoplePerSchool ?? (int)Math.Clamp(perSchool / 40, 10, 400);
        // Each person: enrolled, and their sign-in email set. Each version of each policy: one
        // publication and about nine in ten people acknowledging.
        var versions = (int)Math.Max(1, (perSchool - 2 * people - 1) / (PoliciesPerSchool * (1 + people * 9 / 10)));
        var importer = new BulkImporter(dataSource);
        var index = IndexOrOneForThisRun();
        // Every read model, async ones included: the rebuild moves their checkpoints to the end.
        var all = projections.ToList();
        long written = 0;
        for (var s = 0; s < schools; s++)
        {
            var urn = (200000 + s).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var batch = await SchoolAsync(urn, trustId, people, versions, new Random(s), index, ct);
            await importer.ImportAsync(urn, batch, ct: ct);
            if (checkpoints is not null)
            {
                await checkpoints.IssueAsync(urn, ct);
            }
            if (buildReadModels)
            {
                await ProjectionRebuild.RunAsync(dataSource, all, tenant: urn, ct: ct);
            }
            written += batch.Count;
            progress?.Invoke(written);
        }
        return written;
    }

    /// <summary>
    /// The app's email index when its key is configured; else (a benchmark's services have none)
    /// one with a key made for this run, as seed-demo does: the addresses are then found by no sign-in.
    /// </summary>
    SignIn.SignInEmails IndexOrOneForThisRun()
    {
        try
        {
            emails.Index("probe@synthetic.sch.uk");
            return emails;
        }
        catch (InvalidOperationException)
        {
            return new SignIn.SignInEmails(RandomNumberGenerator.GetBytes(32));
        }
    }

    /// <summary>The synthetic person's sign-in email, at the school's domain (as its registration gives it).</summary>
    public static string EmailOf(string urn, int person) => $"person.{person.ToString(System.Globalization.CultureInfo.InvariantCulture)}@s{urn}.sch.uk";

    async Task<List<ImportEvent>> SchoolAsync(
        string urn, string trustId, int peopleCount, int versions, Random random, SignIn.SignInEmails index, CancellationToken ct)
    {
        var at = new DateTimeOffset(2018, 9, 1, 8, 0, 0, TimeSpan.Zero);
        var events = new List<ImportEvent>();
        void Add(string streamId, string streamType, object e, DateTimeOffset when) =>
            events.Add(new ImportEvent(streamId, streamType, EventTypes.ToNewEvent(e), new EventMetadata(Operator), when));

        Add(School.StreamId, "school", new SchoolRegistered(urn, $"Synthetic School {urn}", trustId, $"Synthetic Trust {trustId}",
            [$"s{urn}.sch.uk"], null, Operator, at), at);
        var people = new List<(Guid Id, Role Role)>();
        for (var i = 0; i < peopleCount; i++)
        {
            var role = i == 0 ? Role.Headteacher : i == 1 ? Role.ChairOfGovernors : StaffRoles[random.Next(StaffRoles.Length)];
            people.Add((Guid.CreateVersion7(at), role));
        }
        // The name first (it makes the person's key), then the address under the same key.
        var sealedPeople = new (string Name, string Email)[peopleCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, peopleCount), new ParallelOptions { MaxDegreeOfParallelism = SealingAtOnce, CancellationToken = ct },
            async (i, token) => sealedPeople[i] = (
                await vault.SealAsync(urn, people[i].Id, $"Person {i} of {urn}", token),
                await vault.SealAsync(urn, people[i].Id, EmailOf(urn, i), token)));
        for (var i = 0; i < peopleCount; i++)
        {
            var (id, role) = people[i];
            Add(Person.StreamId(id), "person", new PersonEnrolled(id, sealedPeople[i].Name, [role], new DateOnly(2018, 9, 1), Operator, at), at);
            Add(Person.StreamId(id), "person", new PersonSignInEmailSet(id, sealedPeople[i].Email, index.Index(EmailOf(urn, i)), Operator, at), at);
        }
        var audiences = new[] { Role.Teacher, Role.SupportStaff, Role.Volunteer, Role.Governor, Role.Headteacher };
        for (var v = 1; v <= versions; v++)
        {
            var effective = new DateOnly(2018, 9, 1).AddDays(v * 28);
            for (var p = 0; p < PoliciesPerSchool; p++)
            {
                var policyId = $"policy-{p + 1}";
                var label = v.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{urn}/{policyId}/{label}")));
                var published = new DateTimeOffset(effective.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                Add(Policy.StreamId(policyId), "policy", new PolicyVersionPublished(policyId, $"Policy {p + 1}", label, sha, effective, 1,
                    effective.AddYears(1), "Full governing board", effective.AddDays(-7), $"person:{people[1].Id:D}", audiences, 14, 365,
                    Operator, published), published);
                foreach (var (id, _) in people)
                {
                    if (random.NextDouble() < 0.9)
                    {
                        var when = published.AddDays(random.Next(1, 20));
                        Add(AcknowledgementRecord.StreamId(id), "acknowledgements",
                            new PolicyAcknowledged(policyId, label, sha, id, AcknowledgementMethod.InApp, when, null), when);
                    }
                }
            }
        }
        // Chain order is recording order (a stable sort: a person's enrolment stays before their email).
        return [.. events.OrderBy(e => e.RecordedAt)];
    }
}
