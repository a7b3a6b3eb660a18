using System.Text.RegularExpressions;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;

namespace ComplianceLedger.Api.Schools;

/// <summary>
/// A real school begins on the ledger: it is registered, and its headteacher is enrolled so they
/// can sign in and carry on (enrol staff, publish policies) through the API. The one path for the
/// CLI (<c>ledger school add</c>) and a trust leader (<c>POST /api/trusts/{trustId}/schools</c>).
/// The headteacher's email address gives the school its email domain (official accounts must be
/// registered at it); the address itself is not kept, as the ledger holds no one's email.
/// </summary>
public static partial class StartSchool
{
    public sealed record Command(
        string Urn, string Name, string? TrustId, string? TrustName, string HeadteacherName, string HeadteacherEmail, DateOnly HeadteacherStartedOn);

    /// <summary>What was made: the school and its headteacher, who signs in as this person.</summary>
    public sealed record Started(string Urn, string Name, string? TrustId, Guid HeadteacherId, long SchoolVersion);

    /// <summary>What the fields are called where the user typed them: JSON properties or CLI options.</summary>
    public sealed record FieldNames(string Urn, string Name, string Trust, string TrustName, string HeadteacherName, string HeadteacherEmail)
    {
        public static readonly FieldNames Api = new("urn", "name", "trustId", "trustName", "headteacherName", "headteacherEmail");
        public static readonly FieldNames Cli = new("--urn", "--name", "--trust", "--trust-name", "--headteacher-name", "--headteacher-email");
    }

    /// <summary>Checks the input in the user's words (each message names the field) and tidies it; nothing is written.</summary>
    public static Command Check(
        FieldNames field, string? urn, string? name, string? trustId, string? trustName, string? headteacherName, string? headteacherEmail, DateOnly startedOn)
    {
        var u = urn?.Trim();
        if (!Urn.IsValid(u))
        {
            throw CommandRefusedException.Invalid($"{field.Urn} must be the school's six-digit Unique Reference Number, such as 139001{Echo(urn)}.");
        }
        var n = Text(name, field.Name, "the school's name");
        var head = Text(headteacherName, field.HeadteacherName, "the headteacher's full name");
        var email = headteacherEmail?.Trim();
        if (email is null || email.Length > 254 || !EmailPattern().IsMatch(email))
        {
            throw CommandRefusedException.Invalid($"{field.HeadteacherEmail} must be the headteacher's school email address, such as head@brookfield.sch.uk{Echo(headteacherEmail)}.");
        }
        var trust = string.IsNullOrWhiteSpace(trustId) ? null : trustId.Trim();
        if (trust is not null && !TrustPattern().IsMatch(trust))
        {
            throw CommandRefusedException.Invalid($"{field.Trust} must be the trust's id: 2 to 64 lower-case letters, digits or hyphens, such as northvale{Echo(trustId)}.");
        }
        var trustDisplay = trust is null ? null : string.IsNullOrWhiteSpace(trustName) ? trust : Text(trustName, field.TrustName, "the trust's name");
        return new Command(u!, n, trust, trustDisplay, head, email, startedOn);
    }

    /// <summary>The school's email domain: the part of the headteacher's address after the @.</summary>
    public static string EmailDomain(Command c) => c.HeadteacherEmail[(c.HeadteacherEmail.LastIndexOf('@') + 1)..].ToLowerInvariant();

    /// <summary>
    /// Registers the school (409 when its URN is already registered) and enrols the headteacher,
    /// both by <paramref name="actor"/> at <paramref name="now"/>.
    /// </summary>
    public static async Task<Started> RunAsync(
        LedgerStore store, PersonalDataVault vault, Command c, string actor, DateTimeOffset now, CancellationToken ct)
    {
        var context = CommandContext.ForOperator(c.Urn, actor, now);
        var register = new RegisterSchool.Command(c.Urn, c.Name, c.TrustId, c.TrustName, [EmailDomain(c)], null, actor, now);
        var school = await StreamHandler.HandleAsync(store, context, School.StreamId, School.Stream, s => RegisterSchool.Decide(register, s), ct);

        var headId = Guid.CreateVersion7(now);
        var enrol = new EnrolPerson.Command(headId, await vault.SealAsync(c.Urn, headId, c.HeadteacherName, ct), [Role.Headteacher],
            c.HeadteacherStartedOn, actor, now);
        await StreamHandler.HandleAsync(store, context, Person.StreamId(headId), Person.Stream, s => EnrolPerson.Decide(enrol, s), ct);
        return new Started(c.Urn, c.Name, c.TrustId, headId, school.Version);
    }

    static string Text(string? value, string field, string what)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 200)
        {
            throw CommandRefusedException.Invalid($"{field} must be {what}, 1 to 200 characters.");
        }
        return text;
    }

    // Bounded, so a long value is never echoed back whole.
    static string Echo(string? value) =>
        string.IsNullOrEmpty(value) ? "" : $" (not \"{(value.Length <= 40 ? value : value[..40] + "…")}\")";

    [GeneratedRegex(@"^[^@\s]{1,64}@(?=.{3,200}$)([a-zA-Z0-9-]+\.)+[a-zA-Z]{2,}$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,63}$")]
    private static partial Regex TrustPattern();
}
