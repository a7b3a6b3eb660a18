namespace ComplianceLedger.Api.Notices;

/// <summary>The notices the ledger sends (docs/notifications.md, "The rules"), as the ledger names them.</summary>
public static class NoticeKinds
{
    public const string AcknowledgementRequested = "acknowledgement-requested";
    public const string AcknowledgementDueSoon = "acknowledgement-due-soon";
    public const string AcknowledgementOverdue = "acknowledgement-overdue";
    public const string AcknowledgementOverdueCopy = "acknowledgement-overdue-copy";
    public const string ExceptionEnding = "exception-ending";
    public const string ExceptionEndingCopy = "exception-ending-copy";
    public const string ExceptionLapsed = "exception-lapsed";
    public const string ExceptionLapsedCopy = "exception-lapsed-copy";
    public const string DeclarationAwaitingAdvice = "declaration-awaiting-advice";
    public const string DecisionAwaiting = "decision-awaiting";
    public const string PolicyReviewDue = "policy-review-due";
    public const string CredentialsRotationDue = "credentials-rotation-due";
    public const string RetentionErased = "retention-erased";

    /// <summary>Copies for the head, which they may turn off; every other notice is a compliance deadline and always goes.</summary>
    public static readonly IReadOnlySet<string> Optional = new HashSet<string>(StringComparer.Ordinal) { AcknowledgementOverdueCopy, ExceptionEndingCopy, ExceptionLapsedCopy };
}
