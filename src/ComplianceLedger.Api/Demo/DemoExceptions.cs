using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;

namespace ComplianceLedger.Api.Demo;

/// <summary>
/// Demo data for declared relationships and exception requests: one item in every state of the
/// flow, made through the same Decide functions as the endpoints, acted out by the school's own
/// people on dates in the past so that reviews fall overdue and approvals lapse.
/// </summary>
public static class DemoExceptions
{
    /// <summary>The states seeded, as keys of the returned items.</summary>
    /// <summary>How far back the earliest step lies, in days before today.</summary>
    public const int DaysOfHistory = 400;

    public static readonly IReadOnlyList<string> States =
    [
        "pending-dsl", "pending-decision", "approved", "review-overdue", "declined", "withdrawn", "revoked", "expired",
        "extension-requested", "head-own-approved-by-chair",
    ];

    /// <summary>
    /// Seeds the school's declarations and exception requests. Run it after the school's people and
    /// its social media policy (whose <c>maxExceptionDays</c>, at least 60, bounds every approval).
    /// Re-running it for the same school adds nothing: each step carries a fixed idempotency key.
    /// </summary>
    /// <param name="services">The app's services: <see cref="LedgerStore"/> and <see cref="PersonalDataVault"/>.</param>
    /// <param name="urn">The demo school.</param>
    /// <param name="peopleByKey">
    /// The school's people by role name: <c>headteacher</c>, <c>dsl</c>, <c>chair-of-governors</c> and
    /// <c>teacher</c> are required, each a different person holding that role; <c>support-staff</c>,
    /// <c>volunteer</c>, <c>governor</c> and <c>office</c> are used when present (else the teacher
    /// stands in, or the headteacher for <c>office</c>).
    /// </param>
    /// <param name="time">Today, from which the past dates are counted.</param>
    /// <returns>The item id seeded for each of <see cref="States"/>.</returns>
    public static async Task<IReadOnlyDictionary<string, Guid>> SeedAsync(
        IServiceProvider services, string urn, IReadOnlyDictionary<string, Guid> peopleByKey, TimeProvider time, CancellationToken ct = default)
    {
        var store = services.GetRequiredService<LedgerStore>();
        var max = await ExceptionCase.MaxExceptionDaysAsync(store, urn, ct)
            ?? throw new InvalidOperationException("Seed the school's social media policy before its exceptions: it sets the maximum exception duration.");
        if (max < 60)
        {
            throw new InvalidOperationException($"The demo needs a maximum exception duration of at least 60 days; the policy allows {max}.");
        }
        Guid Person(Role role, Role? standIn = null) =>
            peopleByKey.TryGetValue(Roles.Name(role), out var id) ? id
            : standIn is { } other ? Person(other)
            : throw new InvalidOperationException($"peopleByKey needs \"{Roles.Name(role)}\".");
        var (head, dsl, chair, teacher) = (Person(Role.Headteacher), Person(Role.Dsl), Person(Role.ChairOfGovernors), Person(Role.Teacher));
        var (support, volunteer, governor, office) =
            (Person(Role.SupportStaff, Role.Teacher), Person(Role.Volunteer, Role.Teacher), Person(Role.Governor, Role.Teacher), Person(Role.Office, Role.Headteacher));

        var today = SchoolDay.Today(time);
        DateOnly Ago(int days) => today.AddDays(-days);
        var s = new Script(store, services.GetRequiredService<PersonalDataVault>(), urn, head, max, time, services.GetService<DemoClock>());
        var items = new Dictionary<string, Guid>();

        // Each item is its own script: on a DemoClock they run side by side in time, else one after another.
        await s.TogetherAsync(
        [
            async () =>
            {
                items["pending-dsl"] = await s.DeclareAsync("pending-dsl", teacher, RelationshipKind.PupilFamily,
                    "My niece joins Reception in Robin class this term.", EntryOf.Pupil, Ago(5), Ago(3), ct);
            },
            async () =>
            {
                var pending = items["pending-decision"] = await s.DeclareAsync("pending-decision", support, RelationshipKind.ParentFriend,
                    "I have been close friends with the mother of a Year 2 pupil since university.", EntryOf.Staff, Ago(14), Ago(12), ct);
                await s.AdviseAsync(pending, dsl, "Acceptable with boundaries: no contact about school matters outside school channels.", Ago(9), ct);
            },
            async () =>
            {
                var approved = items["approved"] = await s.DeclareAsync("approved", teacher, RelationshipKind.PupilFamily,
                    "My nephew has joined Year 4 (Oak class).", EntryOf.Pupil, Ago(12), Ago(10), ct);
                await s.AdviseAsync(approved, dsl, "Low risk. Keep contact within family settings; no direct messaging about school.", Ago(8), ct);
                await s.ApproveAsync(approved, head, "No direct messaging; not his class teacher.", Ago(5).AddDays(Math.Min(max, 365)), Ago(5), ct);
            },
            async () =>
            {
                var overdue = items["review-overdue"] = await s.DeclareAsync("review-overdue", volunteer, RelationshipKind.ExPupilUnder18,
                    "I coach a former pupil (now 16) at the local football club.", EntryOf.Staff, Ago(DaysOfHistory), Ago(DaysOfHistory - 2), ct);
                await s.AdviseAsync(overdue, dsl, "Club contact only; no social media contact.", Ago(397), ct);
                await s.ApproveAsync(overdue, head, "Contact through the club only; no social media.", Ago(395).AddDays(Math.Min(max, 365)), Ago(395), ct);
            },
            async () =>
            {
                var declined = items["declined"] = await s.DeclareAsync("declined", governor, RelationshipKind.ParentFriend,
                    "I follow several parents of my grandson's class on Instagram.", EntryOf.Staff, Ago(45), Ago(40), ct);
                await s.AdviseAsync(declined, dsl, "Following parents' personal accounts in a governor capacity is not appropriate.", Ago(38), ct);
                await s.DeclineAsync(declined, head, "Please unfollow; contact parents through the school's channels.", Ago(35), ct);
            },
            async () =>
            {
                var withdrawn = items["withdrawn"] = await s.RequestAsync("withdrawn", teacher, ExceptionKind.PersonalContact,
                    "Use my personal mobile to text parents during the residential trip.", null, Ago(20), ct);
                await s.WithdrawAsync(withdrawn, teacher, "The school has lent me a trip phone.", Ago(18), ct);
            },
            async () =>
            {
                var revoked = items["revoked"] = await s.DeclareAsync("revoked", support, RelationshipKind.Other,
                    "My partner's son is in Year 6.", EntryOf.Pupil, Ago(130), Ago(120), ct);
                await s.AdviseAsync(revoked, dsl, "Fine with the usual boundaries.", Ago(118), ct);
                await s.ApproveAsync(revoked, head, "No messaging about school matters.", Ago(115).AddDays(Math.Min(max, 365)), Ago(115), ct);
                await s.RevokeAsync(revoked, head, "Messaging about school matters was reported; we need to discuss new arrangements.", Ago(10), ct);
            },
            async () =>
            {
                var expired = items["expired"] = await s.RequestAsync("expired", teacher, ExceptionKind.StaffBlog,
                    "A personal teaching blog that names the school in its About page.", null, Ago(300), ct);
                var blogUntil = Ago(298).AddDays(Math.Min(max, 240));
                await s.ApproveAsync(expired, head, "No pupils' names or photographs; the usual disclaimer.", blogUntil, Ago(298), ct);
                await s.ExpireAsync(expired, office, blogUntil.AddDays(1), blogUntil.AddDays(1), ct);
            },
            async () =>
            {
                var extension = items["extension-requested"] = await s.RequestAsync("extension-requested", teacher, ExceptionKind.RemoteLearningPlatform,
                    "A private YouTube channel for Year 6 revision videos while the classroom is refurbished.", "RA-2026-014", Ago(25), ct);
                var extensionUntil = Ago(20).AddDays(Math.Min(max, 60));
                await s.ApproveAsync(extension, head, "Unlisted videos; comments off; no pupils on camera.", extensionUntil, Ago(20), ct);
                await s.RequestExtensionAsync(extension, teacher, Min(extensionUntil.AddDays(30), Ago(2).AddDays(max)),
                    "The refurbishment runs four weeks late.", Ago(2), ct);
            },
            async () =>
            {
                var headOwn = items["head-own-approved-by-chair"] = await s.RequestAsync("head-own-approved-by-chair", head, ExceptionKind.StaffBlog,
                    "A headteacher's blog about leading a small rural school.", null, Ago(30), ct);
                await s.ApproveAsync(headOwn, chair, "No identifiable pupils or staff.", Ago(28).AddDays(Math.Min(max, 365)), Ago(28), ct, Role.ChairOfGovernors);
                // Extended by the chair for a term more (the approval and its extension stay within the policy's maximum).
                var extendedUntil = Min(Ago(28).AddDays(Math.Min(max, 365) + 30), Ago(15).AddDays(max));
                await s.RequestExtensionAsync(headOwn, head, extendedUntil, "The blog's series on the new library runs into next term.", Ago(15), ct);
                await s.ApproveExtensionAsync(headOwn, chair, extendedUntil, Ago(12), ct, Role.ChairOfGovernors);
            },
        ]);
        return items;
    }

    static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

    /// <summary>Runs each step as the named person on the given day; ids of items survive a re-run through the idempotency keys.</summary>
    sealed class Script(LedgerStore store, PersonalDataVault vault, string urn, Guid head, int max, TimeProvider time, DemoClock? clock)
    {
        readonly Dictionary<Guid, (string StreamId, StreamDefinition<ExceptionCase> Definition, Guid Holder, string Key)> items = [];
        readonly IReadOnlySet<Guid> heads = new HashSet<Guid> { head };

        public async Task TogetherAsync(IReadOnlyList<Func<Task>> scripts)
        {
            if (clock is not null)
            {
                await clock.TogetherAsync(scripts);
                return;
            }
            foreach (var script in scripts)
            {
                await script();
            }
        }

        // Past days at ten in the morning; today at the present moment, never ahead of the clock.
        // On a DemoClock, the step waits for that moment, so it is recorded then.
        async Task<CommandContext> AsAsync(Guid person, DateOnly day, string step)
        {
            var now = time.GetUtcNow();
            var at = day < SchoolDay.Of(now) ? new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero) : now;
            if (clock is not null)
            {
                await clock.WaitUntilAsync(at);
                at = clock.GetUtcNow();
            }
            return new(urn, $"person:{person:D}", person, at, null, $"demo-exceptions:{step}", null);
        }

        Decider Deciding(Guid person, Role role) => new(person, new HashSet<Role> { role }, heads);

        Task<string> SealAsync(Guid holder, string text, CancellationToken ct) => vault.SealAsync(urn, holder, text, ct);

        public async Task<Guid> DeclareAsync(
            string key, Guid person, RelationshipKind kind, string description, EntryOf entry, DateOnly enteredOn, DateOnly day, CancellationToken ct)
        {
            var context = await AsAsync(person, day, $"{key}:declare");
            var id = Guid.CreateVersion7(context.Now);
            var command = new DeclareRelationship.Command(id, person, kind, await SealAsync(person, description, ct), entry, enteredOn, context.Actor, context.Now);
            var result = await StreamHandler.HandleAsync(store, context, ExceptionCase.DeclarationStreamId(id), ExceptionCase.Declarations,
                state => DeclareRelationship.Decide(command, state), ct);
            return await RememberAsync(result, ExceptionCase.Declarations, person, key, ct);
        }

        public async Task<Guid> RequestAsync(string key, Guid person, ExceptionKind kind, string description, string? reference, DateOnly day, CancellationToken ct)
        {
            var context = await AsAsync(person, day, $"{key}:request");
            var id = Guid.CreateVersion7(context.Now);
            var command = new MakeExceptionRequest.Command(id, person, kind, await SealAsync(person, description, ct), reference, context.Actor, context.Now);
            var result = await StreamHandler.HandleAsync(store, context, ExceptionCase.RequestStreamId(id), ExceptionCase.Requests,
                state => MakeExceptionRequest.Decide(command, state), ct);
            return await RememberAsync(result, ExceptionCase.Requests, person, key, ct);
        }

        // On a re-run the step replays, so the id is the one first written, not the one this run drew.
        async Task<Guid> RememberAsync(CommandResult result, StreamDefinition<ExceptionCase> definition, Guid holder, string key, CancellationToken ct)
        {
            var streamId = result.StreamId;
            var id = ExceptionCase.IdOf(streamId);
            items[id] = (streamId, definition, holder, key);
            return id;
        }

        async Task<CommandResult> StepAsync(Guid item, Guid person, DateOnly day, string step, Func<CommandContext, ExceptionCase, IReadOnlyList<object>> decide, CancellationToken ct)
        {
            var (streamId, definition, _, key) = items[item];
            var context = await AsAsync(person, day, $"{key}:{step}");
            return await StreamHandler.HandleAsync(store, context, streamId, definition, state => decide(context, state), ct);
        }

        public async Task AdviseAsync(Guid item, Guid dsl, string advice, DateOnly day, CancellationToken ct)
        {
            var sealedAdvice = await SealAsync(items[item].Holder, advice, ct);
            await StepAsync(item, dsl, day, "advise", (c, s) => RecordDslAdvice.Decide(new(item, dsl, sealedAdvice, c.Actor, c.Now), s), ct);
        }

        public async Task ApproveAsync(Guid item, Guid decider, string conditions, DateOnly until, DateOnly day, CancellationToken ct, Role role = Role.Headteacher)
        {
            var sealedConditions = await SealAsync(items[item].Holder, conditions, ct);
            await StepAsync(item, decider, day, "approve",
                (c, s) => ApproveRequest.Decide(new(item, sealedConditions, until, null, Deciding(decider, role), c.Now), s, max), ct);
        }

        public async Task DeclineAsync(Guid item, Guid decider, string reasons, DateOnly day, CancellationToken ct)
        {
            var sealedReasons = await SealAsync(items[item].Holder, reasons, ct);
            await StepAsync(item, decider, day, "decline",
                (c, s) => DeclineRequest.Decide(new(item, sealedReasons, Deciding(decider, Role.Headteacher), c.Now), s), ct);
        }

        public async Task WithdrawAsync(Guid item, Guid holder, string reason, DateOnly day, CancellationToken ct)
        {
            var sealedReason = await SealAsync(holder, reason, ct);
            await StepAsync(item, holder, day, "withdraw", (c, s) => WithdrawRequest.Decide(new(item, holder, sealedReason, c.Actor, c.Now), s), ct);
        }

        public async Task RevokeAsync(Guid item, Guid decider, string reason, DateOnly day, CancellationToken ct)
        {
            var sealedReason = await SealAsync(items[item].Holder, reason, ct);
            await StepAsync(item, decider, day, "revoke",
                (c, s) => RevokeApproval.Decide(new(item, sealedReason, Deciding(decider, Role.Headteacher), c.Now), s), ct);
        }

        public async Task ExpireAsync(Guid item, Guid recorder, DateOnly expiredOn, DateOnly day, CancellationToken ct) =>
            await StepAsync(item, recorder, day, "expire", (c, s) => RecordExpiry.Decide(new(item, expiredOn, c.Actor, c.Now), s), ct);

        public async Task ApproveExtensionAsync(Guid item, Guid decider, DateOnly until, DateOnly day, CancellationToken ct, Role role = Role.Headteacher) =>
            await StepAsync(item, decider, day, "approve-extension",
                (c, s) => ApproveExtension.Decide(new(item, until, null, Deciding(decider, role), c.Now), s, max), ct);

        public async Task RequestExtensionAsync(Guid item, Guid holder, DateOnly until, string reason, DateOnly day, CancellationToken ct)
        {
            var sealedReason = await SealAsync(holder, reason, ct);
            await StepAsync(item, holder, day, "extend",
                (c, s) => RequestExtension.Decide(new(item, holder, until, sealedReason, c.Actor, c.Now), s, max), ct);
        }
    }
}
