using ComplianceLedger.Api.ToDo;

namespace ComplianceLedger.Tests.ToDo;

/// <summary>When an approved exception is its holder's to renew: the pure rule behind the to-do's renew items.</summary>
public sealed class RenewalWindowTests
{
    static readonly DateOnly Today = new(2026, 12, 6);

    [Theory]
    [InlineData("exception", "approved", 0, true, true)]    // its last day: RequestExtension still takes it
    [InlineData("exception", "approved", 30, true, true)]   // the window's first day
    [InlineData("exception", "approved", 31, true, false)]  // not yet
    [InlineData("exception", "approved", -1, true, false)]  // lapsed: a new request, not an extension
    [InlineData("exception", "approved", 10, false, false)] // an extension is already asked
    [InlineData("exception", "pending", 10, true, false)]
    [InlineData("declaration", "approved", 10, true, false)] // a relationship is reviewed by the head, not renewed
    public void An_approved_exception_is_to_renew_within_its_last_thirty_days_until_an_extension_is_asked(
        string subject, string status, int daysLeft, bool noExtensionAsked, bool expected) =>
        Assert.Equal(expected, MyToDo.ToRenew(subject, status, Today.AddDays(daysLeft), noExtensionAsked, Today));
}
