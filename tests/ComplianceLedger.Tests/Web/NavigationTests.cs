using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Web;

namespace ComplianceLedger.Tests.Web;

/// <summary>The service navigation offers each role the pages its routes let it open, and marks the current one.</summary>
public sealed class NavigationTests
{
    static string Texts(params Role[] roles) =>
        string.Join(", ", Navigation.For("100001", roles.ToHashSet(), "/schools/100001/to-do").Select(l => l.Text));

    [Fact]
    public void A_teacher_has_only_their_to_do()
    {
        var links = Navigation.For("100001", new HashSet<Role> { Role.Teacher }, "/schools/100001/to-do");

        var only = Assert.Single(links);
        Assert.Equal(new Navigation.Link("My to-do", "/schools/100001/to-do", Current: true), only);
    }

    [Fact]
    public void Each_role_is_offered_its_pages_and_no_others()
    {
        Assert.Equal("My to-do, Approvals, Dashboard, Audit trail, Official accounts, People, Policies", Texts(Role.Headteacher));
        Assert.Equal("My to-do, Approvals, Dashboard, Audit trail", Texts(Role.ChairOfGovernors));
        Assert.Equal("My to-do, Advice, Dashboard, Audit trail", Texts(Role.Dsl));
        Assert.Equal("My to-do, Dashboard, Audit trail", Texts(Role.Governor));
        Assert.Equal("My to-do, Dashboard, Audit trail, Official accounts, People, Policies", Texts(Role.Office));
        Assert.Equal("My to-do, Dashboard, Audit trail, Official accounts, People, Policies", Texts(Role.Slt));
        Assert.Equal("My to-do", Texts(Role.SupportStaff, Role.Volunteer));
        Assert.Equal("My to-do", Texts());
    }

    [Fact]
    public void Roles_together_give_each_link_once()
    {
        Assert.Equal("My to-do, Approvals, Advice, Dashboard, Audit trail, Official accounts, People, Policies",
            Texts(Role.Headteacher, Role.Dsl, Role.Office));
    }

    [Fact]
    public void A_page_within_a_section_marks_that_section_current_and_only_it()
    {
        var links = Navigation.For("100001", new HashSet<Role> { Role.Office }, "/schools/100001/policies/3f2b/versions/new");

        var current = Assert.Single(links, l => l.Current);
        Assert.Equal("/schools/100001/policies", current.Href);
        // "/schools/100001/people" is not within "/schools/100001/p…" by prefix alone.
        Assert.DoesNotContain(Navigation.For("100001", new HashSet<Role> { Role.Office }, "/schools/100001/peoplex"), l => l.Current);
    }
}
