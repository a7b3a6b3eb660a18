using System.Net;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using static ComplianceLedger.Tests.Exceptions.ExceptionArrangements;

namespace ComplianceLedger.Tests.Exceptions;

/// <summary>The contract checks for every declaration and exception use case.</summary>
public sealed class ExceptionContractTests(LedgerApp app) : UseCaseContract<ExceptionContractTests>(app), IClassFixture<LedgerApp>, IUseCaseCatalog
{
    static string Item(Arranged a, string step) => $"/api/schools/{a.School.Urn}/exceptions/{a["item"]}/{step}";

    static readonly string TooLong = new('x', 2001);

    static IReadOnlyList<UseCase> IUseCaseCatalog.Catalog => Cases;

    public static readonly UseCase[] Cases =
    [
        new("declare a relationship", Role.Teacher, Role.Teacher, PeopleAndPolicyContractTests.WithPolicy,
            a => $"/api/schools/{a.School.Urn}/declarations",
            _ => Declaration,
            [("missing kind", $$"""{"description":"x","onEntryOf":"pupil","enteredOn":"{{Day(0)}}"}"""),
             ("unknown kind", $$"""{"kind":"cousin","description":"x","onEntryOf":"pupil","enteredOn":"{{Day(0)}}"}"""),
             ("kind as a number", $$"""{"kind":0,"description":"x","onEntryOf":"pupil","enteredOn":"{{Day(0)}}"}"""),
             ("unknown entry", $$"""{"kind":"pupil-family","description":"x","onEntryOf":"parent","enteredOn":"{{Day(0)}}"}"""),
             ("bad date", """{"kind":"pupil-family","description":"x","onEntryOf":"pupil","enteredOn":"next Tuesday"}"""),
             ("entry two years ahead", $$"""{"kind":"pupil-family","description":"x","onEntryOf":"staff","enteredOn":"{{Day(730)}}"}"""),
             ("blank description", $$"""{"kind":"other","description":"  ","onEntryOf":"pupil","enteredOn":"{{Day(0)}}"}"""),
             ("description too long", $$"""{"kind":"other","description":"{{TooLong}}","onEntryOf":"pupil","enteredOn":"{{Day(0)}}"}""")],
            HttpStatusCode.Created),
        new("request an exception", Role.SupportStaff, Role.SupportStaff, PeopleAndPolicyContractTests.WithPolicy,
            a => $"/api/schools/{a.School.Urn}/exceptions",
            _ => """{"kind":"remote-learning-platform","description":"A private revision channel.","riskAssessmentReference":"RA-2026-07"}""",
            [("unknown kind", """{"kind":"tiktok","description":"x"}"""),
             ("missing description", """{"kind":"staff-blog"}"""),
             ("blank risk assessment", """{"kind":"remote-learning-platform","description":"x","riskAssessmentReference":" "}"""),
             ("risk assessment too long", $$"""{"kind":"remote-learning-platform","description":"x","riskAssessmentReference":"{{new string('r', 101)}}"}""")],
            HttpStatusCode.Created),
        new("record the DSL's advice", Role.Dsl, Role.Headteacher, Declared,
            a => Item(a, "dsl-advice"),
            _ => """{"advice":"Low risk; no direct messaging."}""",
            [("missing advice", "{}"), ("blank advice", """{"advice":""}"""), ("advice too long", $$"""{"advice":"{{TooLong}}"}""")]),
        new("approve a declaration", Role.Headteacher, Role.Dsl, Advised,
            a => Item(a, "approval"),
            _ => $$"""{"conditions":"No direct messaging.","until":"{{Day(365)}}"}""",
            [("missing until", """{"conditions":"x"}"""),
             ("missing conditions", $$"""{"until":"{{Day(30)}}"}"""),
             ("until today", $$"""{"conditions":"x","until":"{{Day(0)}}"}"""),
             ("until in the past", $$"""{"conditions":"x","until":"{{Day(-3)}}"}"""),
             ("beyond the policy's maximum", $$"""{"conditions":"x","until":"{{Day(366)}}"}"""),
             ("bad date", """{"conditions":"x","until":"31/12/2027"}""")]),
        new("approve an exception request", Role.Headteacher, Role.Office, Requested,
            a => Item(a, "approval"),
            _ => $$"""{"conditions":"Trip hours only.","until":"{{Day(10)}}"}""",
            [("beyond the policy's maximum", $$"""{"conditions":"x","until":"{{Day(400)}}"}"""),
             ("blank risk assessment", $$"""{"conditions":"x","until":"{{Day(10)}}","riskAssessmentReference":""}""")]),
        new("decline a declaration", Role.Headteacher, Role.Teacher, Advised,
            a => Item(a, "refusal"),
            _ => """{"reasons":"Please ask to move class instead."}""",
            [("missing reasons", "{}"), ("reasons too long", $$"""{"reasons":"{{TooLong}}"}""")]),
        new("withdraw a declaration", Role.Teacher, Role.Office, Declared,
            a => Item(a, "withdrawal"),
            _ => """{"reason":"My nephew has moved school."}""",
            [("missing reason", "{}"), ("reason as a number", """{"reason":7}""")]),
        new("review a declaration", Role.Headteacher, Role.Slt, Approved,
            a => Item(a, "reviews"),
            _ => $$"""{"nextReviewOn":"{{Day(300)}}","conditions":"No direct messaging; not his class teacher."}""",
            [("missing date", """{"conditions":"x"}"""),
             ("date in the past", $$"""{"nextReviewOn":"{{Day(-1)}}"}"""),
             ("beyond the policy's maximum", $$"""{"nextReviewOn":"{{Day(366)}}"}"""),
             ("blank conditions", $$"""{"nextReviewOn":"{{Day(30)}}","conditions":""}""")]),
        new("revoke an approval", Role.Headteacher, Role.Dsl, Approved,
            a => Item(a, "revocation"),
            _ => """{"reason":"Direct messages were reported."}""",
            [("missing reason", "{}")]),
        new("record an expiry", Role.Office, Role.Teacher, Lapsed,
            a => Item(a, "expiry"),
            _ => $$"""{"expiredOn":"{{Day(-29)}}"}""",
            [("missing date", "{}"),
             ("in the future", $$"""{"expiredOn":"{{Day(1)}}"}"""),
             ("before it lapsed", $$"""{"expiredOn":"{{Day(-30)}}"}""")]),
        new("request an extension", Role.Teacher, Role.Office, RequestApproved,
            a => Item(a, "extension-requests"),
            _ => $$"""{"until":"{{Day(60)}}","reason":"A second trip in the spring."}""",
            [("missing until", """{"reason":"x"}"""),
             ("missing reason", $$"""{"until":"{{Day(60)}}"}"""),
             ("not after the current date", $$"""{"until":"{{Day(30)}}","reason":"x"}"""),
             ("beyond the policy's maximum", $$"""{"until":"{{Day(366)}}","reason":"x"}""")]),
        new("approve an extension", Role.Headteacher, Role.Teacher, ExtensionAsked,
            a => Item(a, "extension-approval"),
            _ => $$"""{"until":"{{Day(60)}}","conditions":"Trip hours only; log each message."}""",
            [("missing until", "{}"),
             ("beyond what was asked", $$"""{"until":"{{Day(61)}}"}"""),
             ("not after the current date", $$"""{"until":"{{Day(30)}}"}"""),
             ("bad date", """{"until":"soon"}""")]),
        new("decline an extension", Role.Headteacher, Role.Governor, ExtensionAsked,
            a => Item(a, "extension-refusal"),
            _ => """{"reasons":"The school will lend you a trip phone."}""",
            [("missing reasons", "{}")]),
    ];

}
