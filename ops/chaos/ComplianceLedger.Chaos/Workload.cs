using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ComplianceLedger.Chaos;

/// <summary>A school made with <c>ledger school add</c>, and the people enrolled at it over the API.</summary>
sealed class School(string urn, Member head)
{
    public string Urn { get; } = urn;
    public string Domain => $"chaos{Urn}.sch.uk";
    public Member Head { get; } = head;
    public Member? Office { get; set; }
    public List<Member> Teachers { get; } = [];
    public List<string> Policies { get; } = [];
}

/// <summary>
/// The commands the writers send: real use cases of the school, each a new thing on the ledger so
/// every one must be answered 201. Each writer owns its own teachers (teacher i belongs to writer
/// i mod writers), so no two writers acknowledge the same policy for the same person.
/// </summary>
sealed class Workload(IReadOnlyList<School> schools, int writers, int seed)
{
    public const string StartedOn = "2026-09-01";

    static readonly string[] Audiences = ["teacher", "office"];
    static readonly string[] Volunteer = ["volunteer"];

    readonly ConcurrentBag<Answer> answers = [];

    public IReadOnlyCollection<Answer> Answers => answers;

    public IReadOnlyList<School> Schools => schools;

    public void Record(Answer answer) => answers.Add(answer);

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    static string Json(object body) => JsonSerializer.Serialize(body);

    /// <summary>Enrols the office manager and the teachers, publishes the policies and signs everyone in.</summary>
    public async Task SetUpAsync(LedgerClient client, int people, int policies, CancellationToken ct)
    {
        foreach (var school in schools)
        {
            await client.SignInAsync(school.Head, ct);
            school.Office = await EnrolAsync(client, school, "office", "Chaos Office Manager", ct);
            for (var p = 1; p <= policies; p++)
            {
                var policyId = $"chaos-policy-{p}";
                Record(Expect201(await client.SendAsync(school.Head, "publish a policy version", $"/api/schools/{school.Urn}/policies/{policyId}/versions", Json(new
                {
                    title = $"Chaos Policy {p}",
                    versionLabel = "1",
                    documentSha256 = Sha256(policyId),
                    effectiveFrom = StartedOn,
                    reviewCycleYears = 1,
                    responsibleCommittee = "Full governing board",
                    audiences = Audiences,
                    daysToAcknowledge = 14,
                    maxExceptionDays = 365,
                }), ct)));
                school.Policies.Add(policyId);
            }
        }
        var enrolments = schools.SelectMany(s => Enumerable.Range(1, people).Select(i => (School: s, I: i))).ToList();
        await Parallel.ForEachAsync(enrolments, new ParallelOptions { MaxDegreeOfParallelism = writers, CancellationToken = ct }, async (e, c) =>
        {
            var teacher = await EnrolAsync(client, e.School, "teacher", string.Create(CultureInfo.InvariantCulture, $"Chaos Teacher {e.I}"), c);
            lock (e.School.Teachers)
            {
                e.School.Teachers.Add(teacher);
            }
        });
        foreach (var school in schools)
        {
            school.Teachers.Sort((a, b) => a.Id.CompareTo(b.Id));
        }
    }

    async Task<Member> EnrolAsync(LedgerClient client, School school, string role, string name, CancellationToken ct)
    {
        var answer = Expect201(await client.SendAsync(school.Head, "enrol a person", $"/api/schools/{school.Urn}/people",
            Json(new { name, roles = new[] { role }, startedOn = StartedOn }), ct));
        Record(answer);
        var member = new Member(school.Urn, Guid.Parse(answer.Result!.StreamId["person-".Length..]), role);
        await client.SignInAsync(member, ct);
        return member;
    }

    static Answer Expect201(Answer answer) => answer.Status == 201 && answer.Result is not null
        ? answer
        : throw new InvalidOperationException($"Setting up, {answer.Command.What} was answered {answer.Status}: {answer.Problem}");

    /// <summary>
    /// Writer <paramref name="k"/>: until <paramref name="stop"/>, one command after another, each
    /// sent until answered (a command begun is always finished, even after the stop).
    /// </summary>
    public async Task WriteAsync(int k, LedgerClient client, CancellationToken stop, CancellationToken ct)
    {
        var random = new Random(seed + (k * 7919));
        var mine = schools.SelectMany(s => s.Teachers.Select((t, i) => (School: s, Teacher: t, I: i)))
            .Where(x => x.I % writers == k).ToList();
        var toAcknowledge = new Queue<(School School, Member Teacher, string Policy)>(
            mine.SelectMany(x => x.School.Policies.Select(p => (x.School, x.Teacher, p))).OrderBy(_ => random.Next()));
        var n = 0;
        while (!stop.IsCancellationRequested && mine.Count > 0)
        {
            n++;
            var (school, teacher, _) = mine[random.Next(mine.Count)];
            var roll = random.Next(100);
            var tag = string.Create(CultureInfo.InvariantCulture, $"writer {k} number {n}");
            Answer answer;
            if (roll < 55 && toAcknowledge.TryDequeue(out var ack))
            {
                answer = await client.SendAsync(ack.Teacher, "acknowledge a policy", $"/api/schools/{ack.School.Urn}/policies/{ack.Policy}/acknowledgements",
                    Json(new { versionLabel = "1", documentSha256 = Sha256(ack.Policy) }), ct);
            }
            else if (roll < 70)
            {
                answer = await client.SendAsync(teacher, "declare a relationship", $"/api/schools/{school.Urn}/declarations",
                    Json(new { kind = "pupil-family", description = $"My nephew joined Year 4 ({tag})", onEntryOf = "pupil", enteredOn = "2026-09-03" }), ct);
            }
            else if (roll < 85)
            {
                answer = await client.SendAsync(teacher, "request an exception", $"/api/schools/{school.Urn}/exceptions",
                    Json(new { kind = "personal-contact", description = $"Text parents from my own phone on the residential trip ({tag})" }), ct);
            }
            else if (roll < 95)
            {
                var handle = string.Create(CultureInfo.InvariantCulture, $"chaos_w{k}_n{n}");
                answer = await client.SendAsync(school.Office!, "register an official account", $"/api/schools/{school.Urn}/official-accounts", Json(new
                {
                    platform = "x",
                    handle = "@" + handle,
                    url = $"https://x.com/{handle}",
                    purpose = $"PE fixtures and results ({tag})",
                    intendedOutcomes = "Parents know when matches are",
                    ownerId = teacher.Id,
                    registrationEmail = $"pe@{school.Domain}",
                }), ct);
            }
            else
            {
                answer = await client.SendAsync(school.Head, "enrol a person", $"/api/schools/{school.Urn}/people",
                    Json(new { name = $"Chaos Volunteer ({tag})", roles = Volunteer, startedOn = StartedOn }), ct);
            }
            Record(answer);
        }
    }
}
