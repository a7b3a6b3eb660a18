using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.People;
using static ComplianceLedger.Api.People.Role;

namespace ComplianceLedger.Tests.Access;

/// <summary>Who may pass an endpoint's gate.</summary>
public enum Gate
{
    /// <summary>Anyone, signed in or not (sign-in, health, the signing key).</summary>
    Public,

    /// <summary>Anyone signed in, wherever they are.</summary>
    SignedIn,

    /// <summary>The school's own people holding one of the rule's roles (all of them when none are named).</summary>
    School,

    /// <summary>The trust's leaders (a trust leader at one of its schools); everyone else is told there is no such trust.</summary>
    Trust,
}

/// <summary>The expected gate of one route: a page or an API, who passes, and whether a trust leader reads it at every school of the trust.</summary>
public sealed record AccessRule(string Key, bool IsPage, Gate Gate, IReadOnlyList<Role>? Roles = null, bool TrustReadable = false, bool EndsSession = false,
    bool OwnRecords = false)
{
    public string Method => Key[..Key.IndexOf(' ', StringComparison.Ordinal)];

    public string Template => Key[(Key.IndexOf(' ', StringComparison.Ordinal) + 1)..];

    /// <summary>Whether a person of the school with this role passes (at their own school).</summary>
    public bool Admits(Role role) =>
        Roles is null || Roles.Contains(role) || (role == TrustLeader && ReadByTrustLeaders) || (OwnRecords && role == RecordsOwner);

    /// <summary>Whose records the arranged ids name (the person, their exception request): the teacher's.</summary>
    public const Role RecordsOwner = Teacher;

    /// <summary>A GET marked for trust leaders: the only thing they may do at another school of the trust.</summary>
    public bool ReadByTrustLeaders => TrustReadable && Method == "GET";
}

/// <summary>A gate being built in the table: <c>Roles(...)</c>, then optionally <c>.TrustReadable</c>.</summary>
public sealed record Who(Gate Gate, IReadOnlyList<Role>? Roles = null, bool Readable = false, bool EndsSession = false, bool Own = false)
{
    /// <summary>The record's own person reads it too (the ids the matrix sends are the teacher's records), whatever the roles.</summary>
    public Who OwnRecords => this with { Own = true };

    /// <summary>A trust leader also reads it (GET) at every school of their trust, whatever the roles.</summary>
    public Who TrustReadable => this with { Readable = true };

    /// <summary>The request ends the caller's session (sign-out): it is sent on a session of its own.</summary>
    public Who EndingSession => this with { EndsSession = true };
}

/// <summary>
/// The expected outcome of every route the app maps, keyed by "METHOD /route/template" exactly as
/// the endpoint's route pattern reads. <see cref="AccessMatrixTests"/> fails for a route with no
/// rule here and for a rule that matches no route, so a new page or API cannot be added without
/// saying who may use it. Adding a page is one line:
/// <code>
/// Page("GET /schools/{urn}/dashboard", Roles(DashboardReaders).TrustReadable),
/// Page("POST /schools/{urn}/people", Roles(Headteacher, Slt, Office)),
/// Page("GET /schools/{urn}/my-accounts", Member),
/// </code>
/// Member: any of the school's own people; Roles(...): only those (403 for the rest);
/// .TrustReadable: as the route's ReadableByTrustLeaders(); .OwnRecords: the record's own person
/// passes too (a handler's "yours, or one of these roles"); Trust: leaders of the route's trust;
/// SignedIn and Public need no school.
/// </summary>
public static class AccessRules
{
    static readonly Role[] DashboardReaders = ComplianceLedger.Api.People.Roles.DashboardReaders;
    static readonly Role[] Deciders = [Headteacher, ChairOfGovernors];
    static readonly Role[] Enrollers = [Headteacher, Slt, Office];
    static readonly Role[] AccountManagers = [Headteacher, Slt];
    static readonly Role[] AccountRecorders = [Headteacher, Slt, Office];
    static readonly Role[] Custody = [Headteacher, Slt, Dsl];
    static readonly Role[] PackBuilders = [Headteacher, Dsl, ChairOfGovernors, Governor];

    static readonly Who Public = new(Gate.Public);
    static readonly Who SignedIn = new(Gate.SignedIn);
    static readonly Who Member = new(Gate.School);
    static readonly Who Trust = new(Gate.Trust);

    static Who Roles(params Role[] roles) => new(Gate.School, roles);

    static AccessRule Page(string key, Who who) => new(key, true, who.Gate, who.Roles, who.Readable, who.EndsSession, who.Own);

    static AccessRule Api(string key, Who who) => new(key, false, who.Gate, who.Roles, who.Readable, who.EndsSession, who.Own);

    public static readonly IReadOnlyList<AccessRule> All =
    [
        // The front door and sign-in.
        Page("GET /", SignedIn),
        Page("GET /sign-in", Public),
        Page("GET /dev/sign-in", Public),
        Api("POST /dev/sign-in", Public),
        // Development's caught mail (mapped only in Development, like /dev/sign-in).
        Page("GET /dev/mail", Public),
        Page("GET /dev/mail/{id:int}", Public),
        // A message's link to stop optional copies: its token is the authority (RFC 8058 one-click needs no sign-in).
        Page("GET /notices/{urn}/{personId:guid}/stop-copies", Public),
        Page("POST /notices/{urn}/{personId:guid}/stop-copies", Public),
        Api("GET /sign-in/unknown", Public),
        Page("GET /sign-in/choose-school", Public),
        Page("POST /sign-in/choose-school", Public),
        Page("GET /signed-out", Public),
        Api("GET /sign-in/{provider}", Public),
        Page("GET /local-idp/authorize", Public),
        Page("POST /local-idp/authorize", Public),
        // The built stylesheets and scripts (MapStaticAssets).
        Api("GET {**path:file}", Public),
        Api("HEAD {**path:file}", Public),
        Api($"GET {AccessMatrixTests.StaticAsset}", Public),
        Api($"HEAD {AccessMatrixTests.StaticAsset}", Public),
        Api("POST /sign-out", Public.EndingSession),
        Api("GET /api/me", SignedIn),

        // Machine-read and operational addresses.
        Api("ANY /health/live", Public),
        Api("ANY /health/ready", Public),
        Api("GET /openapi/{documentName}.json", Public),
        Api("GET /scalar/{documentName?}", Public),
        Api("GET /scalar/favicon.svg", Public),
        Api("GET /scalar/scalar.aspnetcore.js", Public),
        Api("GET /scalar/scalar.js", Public),
        Api("GET /api/ledger/signing-key", Public),
        Api("GET /api/projections", Public),

        // Trusts.
        Page("GET /trusts/{trustId}/", Trust),
        Api("GET /api/trusts/{trustId}/compliance", Trust),
        Api("POST /api/trusts/{trustId}/schools", Trust),

        // School pages.
        Page("GET /schools/{urn}/to-do", Member),
        Page("GET /schools/{urn}/policies/{policyId}", Member),
        Page("POST /schools/{urn}/policies/{policyId}/acknowledgement", Member),
        Page("POST /schools/{urn}/policies/{policyId}/refusal", Member),
        Page("GET /schools/{urn}/declarations/new", Member),
        Page("POST /schools/{urn}/declarations", Member),
        Page("GET /schools/{urn}/exceptions/new", Member),
        Page("POST /schools/{urn}/exceptions", Member),
        Page("GET /schools/{urn}/my-requests", Member),
        Page("POST /schools/{urn}/my-requests/{id:guid}/withdrawal", Member),
        Page("POST /schools/{urn}/my-requests/{id:guid}/extension", Member),
        Page("GET /schools/{urn}/my-accounts", Member),
        Page("GET /schools/{urn}/receipts/{position:long}", Member),
        Page("GET /schools/{urn}/dashboard", Roles(DashboardReaders).TrustReadable),
        Page("GET /schools/{urn}/dashboard/items", Roles(DashboardReaders).TrustReadable),
        Page("GET /schools/{urn}/registers/exceptions", Roles(DashboardReaders).TrustReadable),
        Page("GET /schools/{urn}/registers/relationships", Roles(DashboardReaders).TrustReadable),
        Page("GET /schools/{urn}/audit-trail", Roles(DashboardReaders).TrustReadable),
        Page("GET /schools/{urn}/retention", Roles(Headteacher, Slt, Office)),
        Page("GET /schools/{urn}/approvals", Roles(ExceptionEndpoints.QueueReaders)),
        Page("GET /schools/{urn}/advice", Roles(ExceptionEndpoints.QueueReaders)),
        Page("GET /schools/{urn}/exceptions/{id:guid}", Roles(Headteacher, Dsl).OwnRecords),
        Page("POST /schools/{urn}/exceptions/{id:guid}/dsl-advice", Roles(Dsl)),
        // The page's forms check who decides this item before reading it: the arranged item is a
        // teacher's, which the head decides (the chair decides only the head's own).
        Page("POST /schools/{urn}/exceptions/{id:guid}/approval", Roles(Headteacher)),
        Page("POST /schools/{urn}/exceptions/{id:guid}/refusal", Roles(Headteacher)),
        Page("POST /schools/{urn}/exceptions/{id:guid}/extension-approval", Roles(Headteacher)),
        Page("POST /schools/{urn}/exceptions/{id:guid}/extension-refusal", Roles(Headteacher)),
        Page("POST /schools/{urn}/exceptions/{id:guid}/revocation", Roles(Headteacher)),
        Page("POST /schools/{urn}/exceptions/{id:guid}/reviews", Roles(Headteacher)),
        Page("GET /schools/{urn}/accounts", Roles(DashboardReaders).TrustReadable),
        Page("POST /schools/{urn}/accounts", Roles(AccountRecorders)),
        Page("GET /schools/{urn}/accounts/{accountId:guid}", Roles(DashboardReaders).TrustReadable),
        Page("POST /schools/{urn}/accounts/{accountId:guid}/risk-assessment", Roles(AccountManagers)),
        Page("POST /schools/{urn}/accounts/{accountId:guid}/approval", Roles(Headteacher, ChairOfGovernors)),
        Page("POST /schools/{urn}/accounts/{accountId:guid}/custodians", Roles(Custody)),
        Page("POST /schools/{urn}/accounts/{accountId:guid}/custodians/{personId:guid}/removal", Roles(Custody)),
        Page("POST /schools/{urn}/accounts/{accountId:guid}/rotation", Roles(Custody)),
        Page("POST /schools/{urn}/accounts/{accountId:guid}/break-glass", Roles(Custody)),
        Page("POST /schools/{urn}/accounts/{accountId:guid}/closure", Roles(AccountManagers)),
        Page("GET /schools/{urn}/people", Roles([.. Enrollers, .. DashboardReaders]).TrustReadable),
        Page("POST /schools/{urn}/people", Roles(Enrollers)),
        Page("GET /schools/{urn}/people/{personId:guid}", Roles([.. Enrollers, .. DashboardReaders]).OwnRecords),
        Page("POST /schools/{urn}/people/{personId:guid}/roles", Roles(Enrollers)),
        Page("POST /schools/{urn}/people/{personId:guid}/leave", Roles(Enrollers)),
        Page("POST /schools/{urn}/people/{personId:guid}/return", Roles(Enrollers)),
        Page("POST /schools/{urn}/people/{personId:guid}/leaving", Roles(Enrollers)),
        Page("POST /schools/{urn}/people/{personId:guid}/sign-in-email", Roles(Enrollers)),
        Page("GET /schools/{urn}/policies", Member.TrustReadable),
        Page("GET /schools/{urn}/policies/versions/new", Roles(Headteacher, Slt)),
        Page("GET /schools/{urn}/policies/{policyId}/versions/new", Roles(Headteacher, Slt)),
        Page("POST /schools/{urn}/policies/{policyId}/versions", Roles(Headteacher, Slt)),
        Page("GET /schools/{urn}/policies/{policyId}/versions/{versionLabel}/document", Member.TrustReadable),
        Page("GET /schools/{urn}/evidence-pack", Roles(PackBuilders)),
        Page("POST /schools/{urn}/evidence-pack", Roles(PackBuilders)),
        Page("GET /schools/{urn}/evidence-pack/{packId:guid}", Roles(PackBuilders)),
        Page("GET /schools/{urn}/import", Roles(Enrollers)),
        Page("POST /schools/{urn}/import", Roles(Enrollers)),
        Page("POST /schools/{urn}/import/confirm", Roles(Enrollers)),
        Page("GET /schools/{urn}/import/{importId:guid}", Roles(Enrollers)),

        // The school's ledger.
        Api("GET /api/schools/{urn}/streams/{streamId}", Roles(DashboardReaders)),
        Api("GET /api/schools/{urn}/events", Roles(DashboardReaders)),
        Api("POST /api/schools/{urn}/checkpoints", Roles(Headteacher, Slt, Office)),
        Api("GET /api/schools/{urn}/checkpoints/{position}", Roles([Office, .. DashboardReaders])),
        Api("POST /api/schools/{urn}/streams/{streamId}/events", Roles(Headteacher)),
        Api("PUT /api/schools/{urn}/account-rules", Roles(Headteacher, Slt)),
        Api("GET /api/schools/{urn}/audit-trail", Roles(DashboardReaders).TrustReadable),
        Api("GET /api/schools/{urn}/me/to-do", Member),

        // Evidence packs: whoever asked sees the build (anyone else's id is a 404, which passes the gate).
        Api("POST /api/schools/{urn}/evidence-packs", Roles(PackBuilders)),
        Api("GET /api/schools/{urn}/evidence-packs/{packId:guid}", Roles(PackBuilders)),
        Api("GET /api/schools/{urn}/evidence-packs/{packId:guid}/zip", Roles(PackBuilders)),

        // People.
        Api("GET /api/schools/{urn}/people", Roles([.. Enrollers, .. DashboardReaders]).TrustReadable),
        Api("POST /api/schools/{urn}/people", Roles(Enrollers)),
        Api("GET /api/schools/{urn}/people/{personId:guid}", Roles([.. Enrollers, .. DashboardReaders]).OwnRecords),
        Api("PUT /api/schools/{urn}/people/{personId:guid}/roles", Roles(Enrollers)),
        Api("POST /api/schools/{urn}/people/{personId:guid}/leave", Roles(Enrollers)),
        Api("POST /api/schools/{urn}/people/{personId:guid}/return", Roles(Enrollers)),
        Api("POST /api/schools/{urn}/people/{personId:guid}/leaving", Roles(Enrollers)),
        Api("GET /api/schools/{urn}/people/{personId:guid}/sign-in-email", Roles(Enrollers)),
        Api("PUT /api/schools/{urn}/people/{personId:guid}/sign-in-email", Roles(Enrollers)),

        // Policies and acknowledgements.
        Api("GET /api/schools/{urn}/policies", Member.TrustReadable),
        Api("GET /api/schools/{urn}/policies/{policyId}", Member.TrustReadable),
        Api("POST /api/schools/{urn}/policies/{policyId}/versions", Roles(Headteacher, Slt)),
        Api("POST /api/schools/{urn}/policies/{policyId}/versions/{versionLabel}/ratification", Roles(ChairOfGovernors, Headteacher, Office)),
        Api("POST /api/schools/{urn}/policies/{policyId}/reviews", Roles(Headteacher, Slt)),
        Api("POST /api/schools/{urn}/policies/{policyId}/retirement", Roles(Headteacher, Slt)),
        Api("POST /api/schools/{urn}/policies/{policyId}/acknowledgements", Member),
        Api("POST /api/schools/{urn}/policies/{policyId}/refusals", Member),
        Api("GET /api/schools/{urn}/people/{personId:guid}/acknowledgements", Roles([Office, .. DashboardReaders]).OwnRecords),
        Api("POST /api/schools/{urn}/people/{personId:guid}/paper-acknowledgements", Roles(Office, Slt, Headteacher)),

        // Compliance.
        Api("GET /api/schools/{urn}/compliance", Roles(DashboardReaders).TrustReadable),
        Api("GET /api/schools/{urn}/compliance/items", Roles(DashboardReaders).TrustReadable),

        // Declarations and exceptions.
        Api("POST /api/schools/{urn}/declarations", Member),
        Api("POST /api/schools/{urn}/exceptions", Member),
        Api("POST /api/schools/{urn}/exceptions/{id:guid}/withdrawal", Member),
        Api("POST /api/schools/{urn}/exceptions/{id:guid}/extension-requests", Member),
        Api("GET /api/schools/{urn}/me/exceptions", Member),
        Api("GET /api/schools/{urn}/receipts/{eventId}", Member),
        // The chair reads the head's own requests only; this one is the teacher's.
        Api("GET /api/schools/{urn}/exceptions/{id:guid}", Roles(Headteacher, Dsl).OwnRecords),
        Api("POST /api/schools/{urn}/exceptions/{id:guid}/dsl-advice", Roles(Dsl)),
        Api("POST /api/schools/{urn}/exceptions/{id:guid}/approval", Roles(Deciders)),
        Api("POST /api/schools/{urn}/exceptions/{id:guid}/refusal", Roles(Deciders)),
        Api("POST /api/schools/{urn}/exceptions/{id:guid}/reviews", Roles(Deciders)),
        Api("POST /api/schools/{urn}/exceptions/{id:guid}/revocation", Roles(Deciders)),
        Api("POST /api/schools/{urn}/exceptions/{id:guid}/extension-approval", Roles(Deciders)),
        Api("POST /api/schools/{urn}/exceptions/{id:guid}/extension-refusal", Roles(Deciders)),
        Api("POST /api/schools/{urn}/exceptions/{id:guid}/expiry", Roles(Headteacher, Office)),
        Api("GET /api/schools/{urn}/approvals", Roles(ExceptionEndpoints.QueueReaders)),

        // Official accounts and their credentials.
        Api("GET /api/schools/{urn}/official-accounts", Roles(DashboardReaders).TrustReadable),
        Api("GET /api/schools/{urn}/official-accounts/{accountId:guid}", Roles(DashboardReaders).TrustReadable),
        Api("POST /api/schools/{urn}/official-accounts", Roles(AccountRecorders)),
        Api("POST /api/schools/{urn}/official-accounts/{accountId:guid}/risk-assessments", Roles(AccountManagers)),
        Api("POST /api/schools/{urn}/official-accounts/{accountId:guid}/approval", Roles(Headteacher, ChairOfGovernors)),
        Api("POST /api/schools/{urn}/official-accounts/{accountId:guid}/url-notification", Roles(AccountRecorders)),
        Api("POST /api/schools/{urn}/official-accounts/{accountId:guid}/pupil-access", Roles(AccountManagers)),
        Api("PUT /api/schools/{urn}/official-accounts/{accountId:guid}/owner", Roles(AccountManagers)),
        Api("POST /api/schools/{urn}/official-accounts/{accountId:guid}/suspension", Roles(AccountManagers)),
        Api("POST /api/schools/{urn}/official-accounts/{accountId:guid}/reinstatement", Roles(AccountManagers)),
        Api("POST /api/schools/{urn}/official-accounts/{accountId:guid}/decommissioning", Roles(AccountManagers)),
        Api("POST /api/schools/{urn}/official-accounts/{accountId:guid}/aup-link-checks", Roles(AccountRecorders)),
        Api("POST /api/schools/{urn}/official-accounts/{accountId:guid}/first-use", Roles(AccountManagers)),
        Api("POST /api/schools/{urn}/official-accounts/{accountId:guid}/custodians", Roles(Custody)),
        Api("POST /api/schools/{urn}/official-accounts/{accountId:guid}/custodians/{personId:guid}/removal", Roles(Custody)),
        Api("POST /api/schools/{urn}/official-accounts/{accountId:guid}/rotations", Roles(Custody)),
        Api("POST /api/schools/{urn}/official-accounts/{accountId:guid}/break-glass-accesses", Roles(Custody)),
        Api("POST /api/schools/{urn}/credential-sharing-reports", Roles(Custody)),
    ];
}
