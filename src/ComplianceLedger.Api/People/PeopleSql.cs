namespace ComplianceLedger.Api.People;

/// <summary>
/// A person's dated facts as SQL over the person row <c>p</c> (<c>rm.people</c>), on a given day:
/// a role change or a leave counts from its own date, not from when it was recorded.
/// </summary>
public static class PeopleSql
{
    /// <summary>The roles in effect on <paramref name="day"/>; before the first dated change, the roles enrolled with.</summary>
    public static string RolesOn(string day) => $"""
        COALESCE(
            (SELECT r.roles FROM rm.person_roles r WHERE r.tenant = p.tenant AND r.person_id = p.person_id AND r.from_on <= {day}
              ORDER BY r.from_on DESC LIMIT 1),
            (SELECT r.roles FROM rm.person_roles r WHERE r.tenant = p.tenant AND r.person_id = p.person_id ORDER BY r.from_on LIMIT 1),
            p.roles)
        """;

    /// <summary>The first day of the leave not yet over on <paramref name="day"/> (it may start later), or null.</summary>
    public static string LeaveFromOn(string day) => $"""
        (SELECT l.from_on FROM rm.person_leaves l WHERE l.tenant = p.tenant AND l.person_id = p.person_id
            AND (l.until_on IS NULL OR l.until_on > {day}) ORDER BY l.from_on LIMIT 1)
        """;
}
