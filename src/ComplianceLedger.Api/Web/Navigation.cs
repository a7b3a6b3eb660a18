using ComplianceLedger.Api.People;

namespace ComplianceLedger.Api.Web;

/// <summary>
/// The service navigation's links for a signed-in member: each page their roles may open at their
/// school, the same roles the pages' routes require. Markup stays free of rules.
/// </summary>
public static class Navigation
{
    public sealed record Link(string Text, string Href, bool Current);

    public static IReadOnlyList<Link> For(string urn, IReadOnlySet<Role> roles, string currentPath)
    {
        var school = $"/schools/{urn}";
        var links = new List<(string Text, string Href)> { ("My to-do", $"{school}/to-do") };
        if (roles.Contains(Role.Headteacher) || roles.Contains(Role.ChairOfGovernors))
        {
            links.Add(("Approvals", $"{school}/approvals"));
        }
        if (roles.Contains(Role.Dsl))
        {
            links.Add(("Advice", $"{school}/advice"));
        }
        if (Roles.DashboardReaders.Any(roles.Contains))
        {
            links.Add(("Dashboard", $"{school}/dashboard"));
            links.Add(("Audit trail", $"{school}/audit-trail"));
        }
        if (roles.Contains(Role.Office) || roles.Contains(Role.Headteacher) || roles.Contains(Role.Slt))
        {
            links.Add(("Official accounts", $"{school}/accounts"));
            links.Add(("People", $"{school}/people"));
            links.Add(("Policies", $"{school}/policies"));
        }
        return links.Select(l => new Link(l.Text, l.Href, IsCurrent(l.Href, currentPath))).ToList();
    }

    // A page below a link's (a policy under Policies) counts as that link's section.
    static bool IsCurrent(string href, string path) =>
        path.Equals(href, StringComparison.OrdinalIgnoreCase)
        || path.StartsWith(href + "/", StringComparison.OrdinalIgnoreCase);
}
