using System.Globalization;
using System.Text.Json;
using ComplianceLedger.EventStore;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>
/// The audit trail's words for each event type: "{person:…} acknowledged {policy:…} v3". People,
/// accounts and policies stay tokens in the stored line and are named when the line is read
/// (<see cref="Tokens"/>): names are sealed per person, so a line written once shows the name
/// while the person's key lives and "erased" after it is shredded, with no line rewritten.
/// Nothing sealed (names, descriptions, reasons, advice, conditions) and no vault reference goes
/// into a line. A line is a pure function of its event, so a rebuild writes the same lines.
/// </summary>
public static class AuditLines
{
    /// <summary>The event types with their own words; any other type gets a generic line.</summary>
    public static IReadOnlyCollection<string> Described => Lines.Keys;

    /// <summary>Person, account and policy tokens: <c>{person:&lt;id&gt;}</c>, <c>{account:&lt;id&gt;}</c>, <c>{policy:&lt;id&gt;}</c>.</summary>
    public static readonly System.Text.RegularExpressions.Regex Tokens = new(@"\{(person|account|policy):([A-Za-z0-9-]{1,80})\}",
        System.Text.RegularExpressions.RegexOptions.Compiled | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>The event's line, with its people, accounts and policies as tokens.</summary>
    public static string Line(StoredEvent e)
    {
        var actor = Actor(e.Actor);
        if (Lines.TryGetValue(e.EventType, out var line))
        {
            try
            {
                var data = e.ParsedData();
                if (data.ValueKind == JsonValueKind.Object)
                {
                    return line(new Event(e, data, actor));
                }
            }
            catch (Exception x) when (x is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                // Data this code cannot read (a hand-made event): the generic line still records it.
            }
        }
        return $"{actor} recorded {Generic(e.EventType)}";
    }

    static string Generic(string eventType)
    {
        var version = eventType.LastIndexOf(".v", StringComparison.Ordinal);
        return "an event \"" + Clean(version > 0 ? eventType[..version] : eventType).Replace('.', ' ').Replace('-', ' ') + "\"";
    }

    /// <summary>Who acted: a person's token, or the system part that recorded it.</summary>
    public static string Actor(string actor) =>
        actor.StartsWith("person:", StringComparison.Ordinal) && Guid.TryParse(actor.AsSpan(7), out var id)
            ? Person(id)
            : actor.StartsWith("system:", StringComparison.Ordinal) ? $"the system ({Clean(actor[7..])})"
            // A trust leader acting from their own school (trust-leader:<urn>:<person id>), who is no one at this one.
            : actor.Split(':') is ["trust-leader", var home, var leader] && Guid.TryParse(leader, out _) ? $"a trust leader (of school {Clean(home)})"
            : Clean(actor);

    static string Person(Guid id) => $"{{person:{id:D}}}";

    static string Account(Guid id) => $"{{account:{id:D}}}";

    /// <summary>A person given as a reference (<c>person:&lt;id&gt;</c>) in a field.</summary>
    static string PersonRef(string reference) => Actor(reference);

    sealed record Event(StoredEvent Stored, JsonElement Data, string Actor)
    {
        public string Text(string name) => Clean(Data.Text(name));

        public string? OptionalText(string name) => Data.OptionalText(name) is { Length: > 0 } text ? Clean(text) : null;

        public string Person(string name) => AuditLines.Person(Data.Id(name));

        public string Account => AuditLines.Account(Data.Id("accountId"));

        public string Date(string name) => Day(Data.Date(name));

        public string Policy => $"{{policy:{Data.Text("policyId")}}} v{Text("versionLabel")}";

        public string Role(string name) => $"({RoleName(Data.Text(name))})";

        public bool ByHolder(string name) => Actor == Person(name);

        /// <summary>
        /// "the declared relationship of {person}" or "the exception request of {person}", by the item's
        /// stream; "their …" when the holder recorded it themselves.
        /// </summary>
        public string Item => ByHolder("personId")
            ? (IsDeclaration ? "their declared relationship" : "their exception request")
            : (IsDeclaration ? "the declared relationship of " : "the exception request of ") + Person("personId");

        public bool IsDeclaration => Stored.StreamId.StartsWith("declaration-", StringComparison.Ordinal);
    }

    static readonly Dictionary<string, Func<Event, string>> Lines = new(StringComparer.Ordinal)
    {
        ["school.registered.v1"] = e =>
            $"{e.Actor} registered {e.Text("name")} (URN {e.Text("urn")})" + (e.OptionalText("trustName") is { } trust ? $", of {trust}" : ""),
        ["school.account-rules-set.v1"] = e =>
            $"{e.Actor} set the rules for official accounts: "
            + (e.Data.Texts("emailDomains") is { Length: > 0 } domains ? $"registered with a school email ({string.Join(" or ", domains.Select(Clean))})" : "any email")
            + (e.OptionalText("handleTag") is { } tag ? $", handles carrying {tag}" : ", no handle tag"),

        ["person.enrolled.v1"] = e => $"{e.Actor} enrolled {e.Person("personId")} as {Roles(e.Data)}, starting {e.Date("startedOn")}",
        ["person.roles-changed.v1"] = e => $"{e.Actor} changed the roles of {e.Person("personId")} to {Roles(e.Data)} from {e.Date("effectiveOn")}",
        ["person.leave-started.v1"] = e =>
            $"{e.Actor} recorded that {e.Person("personId")} is on {(e.Text("kind") is "other" ? "" : Words(e.Text("kind")) + " ")}leave from {e.Date("from")}",
        ["person.returned-from-leave.v1"] = e => $"{e.Actor} recorded the return of {e.Person("personId")} from leave on {e.Date("on")}",
        ["person.sign-in-email-set.v1"] = e => $"{e.Actor} set the email {e.Person("personId")} signs in with",
        ["person.left.v1"] = e => $"{e.Actor} recorded that {e.Person("personId")} leaves the school on {e.Date("leftOn")}",
        ["reminder.sent.v1"] = e => $"{e.Actor} sent {e.Person("personId")} the day's message ({e.Data.GetProperty("notices").GetArrayLength()} notice(s)) on {e.Date("day")}",
        ["notices.opted-out.v1"] = e => $"{e.Person("personId")} stopped the optional copies ({e.Text("what")}) from a message's link",
        // The subject's name renders as "erased under retention" from then on; the line names the rule and the day it fell due.
        ["personal-data.erased.v1"] = e =>
            $"{e.Actor} erased the personal data of "
            + (e.Text("subjectKind") == "vault-reference" ? $"a vault reference of {e.Account}" : e.Person("personId"))
            + $" under retention rule {e.Text("rule")}, due on {e.Date("dueOn")}",

        ["policy.version-published.v1"] = e =>
            $"{e.Actor} published {e.Text("title")} v{e.Text("versionLabel")}, effective {e.Date("effectiveFrom")}, "
            + $"for {Roles(e.Data, "audiences")} to acknowledge within {e.Data.Number("daysToAcknowledge")} days",
        ["policy.version-ratified.v1"] = e =>
            $"{e.Actor} recorded that the governors ratified {e.Policy} on {e.Date("ratifiedOn")}, signed by {PersonRef(e.Data.Text("ratifiedByChair"))}",
        ["policy.reviewed-without-change.v1"] = e =>
            $"{e.Actor} reviewed {e.Policy} on {e.Date("reviewedOn")} without changes; next review due {e.Date("nextReviewDue")}",
        ["policy.review-due.v1"] = e => $"{e.Actor} recorded that the review of {e.Policy} fell due on {e.Date("reviewDue")}",
        ["policy.retired.v1"] = e => $"{e.Actor} retired {{policy:{e.Data.Text("policyId")}}} on {e.Date("retiredOn")}",
        ["policy.acknowledged.v1"] = e => e.Text("method") == "paper"
            ? $"{e.Actor} recorded the paper acknowledgement by {e.Person("personId")} of {e.Policy}"
            : $"{e.Person("personId")} acknowledged {e.Policy}",
        ["policy.acknowledgement-declined.v1"] = e =>
            $"{e.Person("personId")} declined to acknowledge {e.Policy}, giving a reason for the headteacher",

        ["declaration.made.v1"] = e =>
            (e.ByHolder("personId") ? $"{e.Person("personId")} declared " : $"{e.Actor} recorded that {e.Person("personId")} declared ")
            + $"{RelationshipKind(e.Text("kind"))} ({(e.Text("onEntryOf") == "pupil" ? "the pupil's" : "their own")} entry on {e.Date("enteredOn")})",
        ["exception.requested.v1"] = e =>
            (e.ByHolder("personId") ? $"{e.Person("personId")} requested" : $"{e.Actor} requested for {e.Person("personId")}")
            + $" an exception: {ExceptionKind(e.Text("kind"))}"
            + (e.OptionalText("riskAssessmentReference") is { } reference ? $" (risk assessment {reference})" : ""),
        ["exception.dsl-consulted.v1"] = e => $"{e.Actor} recorded the DSL's advice on {e.Item}",
        ["exception.approved.v1"] = e =>
            $"{e.Actor} {e.Role("decidedAs")} approved {e.Item}, with conditions, "
            + (e.IsDeclaration ? $"to be reviewed by {e.Date("until")}" : $"until {e.Date("until")}"),
        ["exception.declined.v1"] = e => $"{e.Actor} {e.Role("decidedAs")} declined {e.Item}",
        ["exception.withdrawn.v1"] = e => $"{e.Actor} withdrew {e.Item}",
        ["exception.reviewed.v1"] = e =>
            $"{e.Actor} {e.Role("reviewedAs")} reviewed {e.Item}; next review by {e.Date("nextReviewOn")}"
            + (e.OptionalText("sealedConditions") is null ? "" : ", with new conditions"),
        ["exception.revoked.v1"] = e => $"{e.Actor} {e.Role("revokedAs")} revoked the approval of {e.Item}",
        ["exception.expired.v1"] = e => $"{e.Actor} recorded that the approval of {e.Item} expired on {e.Date("expiredOn")}",
        ["exception.extension-requested.v1"] = e => $"{e.Actor} asked for {e.Item} to be extended to {e.Date("until")}",
        ["exception.extension-approved.v1"] = e =>
            $"{e.Actor} {e.Role("decidedAs")} extended {e.Item} to {e.Date("until")}"
            + (e.OptionalText("sealedConditions") is null ? "" : ", with new conditions"),
        ["exception.extension-declined.v1"] = e => $"{e.Actor} {e.Role("decidedAs")} declined to extend {e.Item}",

        ["account.registered.v1"] = e =>
            $"{e.Actor} registered the {PlatformName(e.Text("platform"))} account {e.Text("handle")}, owned by {e.Person("ownerId")}"
            + (e.Data.Texts("concerns") is { Length: > 0 } concerns ? $" (noted: {string.Join("; ", concerns.Select(Concern))})" : ""),
        ["account.risk-assessed.v1"] = e => $"{e.Actor} recorded risk assessment {e.Text("reference")} of {e.Account}, made on {e.Date("assessedOn")}",
        ["account.approved.v1"] = e =>
            $"{e.Actor} {e.Role("approvedAs")} approved {e.Account} for use" + (e.OptionalText("conditions") is null ? "" : ", with conditions"),
        ["account.url-notified.v1"] = e =>
            $"{e.Actor} recorded that the address of {e.Account} was sent to "
            + $"{string.Join(", ", e.Data.GetProperty("notifiedTo").EnumerateArray().Select(p => Person(p.GetGuid())))} on {e.Date("notifiedOn")}",
        ["account.pupil-access-granted.v1"] = e => $"{e.Actor} gave pupils access to {e.Account} from {e.Date("grantedOn")}",
        ["account.owner-changed.v1"] = e =>
            $"{e.Actor} made {e.Person("ownerId")} the owner of {e.Account} in place of {e.Person("previousOwnerId")} from {e.Date("effectiveOn")}",
        ["account.suspended.v1"] = e => $"{e.Actor} suspended {e.Account} ({Words(e.Text("reason"))}) from {e.Date("suspendedOn")}",
        ["account.reinstated.v1"] = e => $"{e.Actor} reinstated {e.Account} from {e.Date("reinstatedOn")}",
        ["account.decommissioned.v1"] = e => $"{e.Actor} decommissioned {e.Account} on {e.Date("decommissionedOn")}",
        ["account.aup-link-checked.v1"] = e =>
            $"{e.Actor} checked the About page of {e.Account} on {e.Date("checkedOn")}: "
            + (e.Data.GetProperty("linksToAup").GetBoolean() ? "it links to the acceptable use policy" : "no link to the acceptable use policy"),
        ["account.went-live.v1"] = e => $"{e.Actor} recorded that {e.Account} was first used on {e.Date("firstUsedOn")}",

        // Credential events name who holds the login and when it changed, never where it is kept.
        ["credentials.lodged.v1"] = e => $"{e.Actor} lodged the login of {e.Account} with {e.Person("custodianId")}",
        ["credentials.rotated.v1"] = e => $"{e.Actor} recorded that the login of {e.Account} was changed on {e.Date("rotatedOn")} ({RotationReason(e.Text("reason"))})",
        ["credentials.accessed.v1"] = e => $"{e.Person("custodianId")} opened the lodged login of {e.Account} (break-glass), giving a reason",
        ["credentials.custodian-removed.v1"] = e =>
            $"{e.Actor} removed {e.Person("custodianId")} as a keeper of the login of {e.Account} ({Words(e.Text("reason"))})",
        ["credentials.sharing-reported.v1"] = e =>
            $"{e.Actor} recorded a report by {e.Person("reportedById")} that "
            + (e.Data.TryGetProperty("sharedById", out var by) && by.ValueKind == JsonValueKind.String ? Person(by.GetGuid()) : "someone")
            + $" shared {SharedCredential(e.Text("what"))} {Channel(e.Text("channel"))} on {e.Date("occurredOn")}"
            + (e.Data.TryGetProperty("accountId", out var account) && account.ValueKind == JsonValueKind.String ? $", for {Account(account.GetGuid())}" : ""),
    };

    static string Day(DateOnly day) => day.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>Text from an event, cut short and unable to pose as a token.</summary>
    static string Clean(string text)
    {
        var cut = text.Length > 80 ? text[..80] + "…" : text;
        return cut.Replace('{', '(').Replace('}', ')');
    }

    static string Words(string kebab) => Clean(kebab).Replace('-', ' ');

    static string Roles(JsonElement data, string name = "roles")
    {
        var roles = data.Texts(name).Select(RoleName).ToList();
        return roles.Count switch
        {
            0 => "no role",
            1 => roles[0],
            _ => string.Join(", ", roles[..^1]) + " and " + roles[^1],
        };
    }

    public static string RoleName(string role) => role switch
    {
        "dsl" => "DSL",
        "slt" => "SLT",
        "support-staff" => "support staff",
        _ => Words(role),
    };

    public static string PlatformName(string platform) => platform switch
    {
        "x" => "X",
        "youtube" => "YouTube",
        "tiktok" => "TikTok",
        "linkedin" => "LinkedIn",
        "class-dojo" => "Class Dojo",
        "other" => "official",
        _ => Words(platform) is { Length: > 0 } words ? char.ToUpperInvariant(words[0]) + words[1..] : "official",
    };

    static string RelationshipKind(string kind) => kind switch
    {
        "pupil-family" => "a family link with a pupil",
        "parent-friend" => "a personal friendship with a parent",
        "ex-pupil-under-18" => "contact with a former pupil under 18",
        _ => "a pre-existing relationship",
    };

    static string ExceptionKind(string kind) => kind switch
    {
        "personal-contact" => "personal phone or email on school business",
        "staff-blog" => "a personal blog that names the school",
        "remote-learning-platform" => "social media as a remote-learning platform",
        _ => Words(kind),
    };

    static string Concern(string concern) => concern switch
    {
        "personal-email" => "registered with a personal email",
        "handle-without-tag" => "handle without the school's tag",
        _ => Words(concern),
    };

    static string RotationReason(string reason) => reason switch
    {
        "owner-left" => "the owner left",
        "custodian-left" => "a keeper left",
        "scheduled" => "scheduled",
        _ => Words(reason),
    };

    static string SharedCredential(string what) => what switch
    {
        "official-account-login" => "an official account login",
        "staff-login" => "a staff login",
        "school-system-login" => "a school system login",
        _ => "a login",
    };

    static string Channel(string channel) => channel switch
    {
        "email" => "by email",
        "messaging-app" => "in a messaging app",
        "social-media" => "on social media",
        "text-message" => "by text message",
        "paper" => "on paper",
        "in-person" => "in person",
        _ => "another way",
    };
}
