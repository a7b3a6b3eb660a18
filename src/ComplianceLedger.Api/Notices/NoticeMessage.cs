using System.Text;
using System.Text.Encodings.Web;
using MimeKit;

namespace ComplianceLedger.Api.Notices;

/// <summary>One line of a message: what is asked of the reader, by when, and the page that does it.</summary>
public sealed record NoticeLine(string Kind, string Text, string Link);

/// <summary>
/// The message for one person on one day, plain text and HTML, in plain words. A message with an
/// optional notice in it offers to stop those (List-Unsubscribe); one with only compliance deadlines
/// offers nothing of the sort.
/// </summary>
public static class NoticeMessage
{
    public static string MessageId(string urn, Guid personId, DateOnly day, MailboxAddress from) =>
        $"notice.{urn}.{personId:N}.{day:yyyyMMdd}@{Domain(from)}";

    public static MimeMessage Build(
        MailboxAddress from, MailboxAddress to, string messageId, string schoolName, string greetingName, IReadOnlyList<NoticeLine> lines, string? unsubscribeUrl)
    {
        var message = new MimeMessage { MessageId = messageId, Subject = Subject(schoolName, lines) };
        message.From.Add(from);
        message.To.Add(to);
        // Automated: out-of-office replies and auto-responders should not answer it (RFC 3834).
        message.Headers.Add("Auto-Submitted", "auto-generated");
        if (unsubscribeUrl is not null)
        {
            message.Headers.Add("List-Unsubscribe", $"<{unsubscribeUrl}>");
            message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
        var text = new StringBuilder();
        text.Append("Dear ").Append(greetingName).Append(",\n\n");
        text.Append(lines.Count == 1 ? "ComplianceLedger has one thing for you at " : $"ComplianceLedger has {lines.Count} things for you at ")
            .Append(schoolName).Append(":\n\n");
        foreach (var line in lines)
        {
            text.Append("- ").Append(line.Text).Append('\n').Append("  ").Append(line.Link).Append("\n\n");
        }
        text.Append(Footer(unsubscribeUrl));

        var enc = HtmlEncoder.Default;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>")
            .Append(enc.Encode(message.Subject)).Append("</title></head><body style=\"font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #0b0c0c\">");
        html.Append("<p>Dear ").Append(enc.Encode(greetingName)).Append(",</p>");
        html.Append("<p>").Append(enc.Encode(lines.Count == 1 ? "ComplianceLedger has one thing for you at " : $"ComplianceLedger has {lines.Count} things for you at "))
            .Append(enc.Encode(schoolName)).Append(":</p><ul>");
        foreach (var line in lines)
        {
            html.Append("<li><p>").Append(enc.Encode(line.Text)).Append("<br><a href=\"").Append(enc.Encode(line.Link)).Append("\">")
                .Append(enc.Encode(LinkWords(line.Kind))).Append("</a></p></li>");
        }
        html.Append("</ul>");
        foreach (var paragraph in Footer(unsubscribeUrl).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            html.Append("<p style=\"color: #505a5f; font-size: 14px\">").Append(enc.Encode(paragraph.Trim())).Append("</p>");
        }
        html.Append("</body></html>");
        message.Body = new BodyBuilder { TextBody = text.ToString(), HtmlBody = html.ToString() }.ToMessageBody();
        return message;
    }

    static string Subject(string schoolName, IReadOnlyList<NoticeLine> lines) =>
        lines.Any(l => l.Kind is NoticeKinds.AcknowledgementOverdue)
            ? $"Overdue: {Short(lines[0])} ({schoolName})"
            : lines.Count == 1 ? $"{Capitalised(Short(lines[0]))} ({schoolName})" : $"{lines.Count} things to do ({schoolName})";

    static string Capitalised(string words) => string.Concat(words[..1].ToUpperInvariant(), words[1..]);

    static string Short(NoticeLine line) => line.Kind switch
    {
        NoticeKinds.AcknowledgementRequested or NoticeKinds.AcknowledgementDueSoon or NoticeKinds.AcknowledgementOverdue => "a policy to acknowledge",
        NoticeKinds.AcknowledgementOverdueCopy => "acknowledgements overdue",
        NoticeKinds.ExceptionEnding or NoticeKinds.ExceptionEndingCopy => "an approved exception ends soon",
        NoticeKinds.ExceptionLapsed or NoticeKinds.ExceptionLapsedCopy => "an approved exception has lapsed",
        NoticeKinds.DeclarationAwaitingAdvice => "a declaration awaits your advice",
        NoticeKinds.DecisionAwaiting => "a decision awaits you",
        NoticeKinds.PolicyReviewDue => "a policy review is coming up",
        NoticeKinds.CredentialsRotationDue => "an official account's login details need changing",
        NoticeKinds.RetentionErased => "personal details erased under retention",
        _ => "something to do",
    };

    static string LinkWords(string kind) => kind switch
    {
        NoticeKinds.AcknowledgementOverdueCopy => "See who is overdue",
        NoticeKinds.AcknowledgementRequested or NoticeKinds.AcknowledgementDueSoon or NoticeKinds.AcknowledgementOverdue => "Read and acknowledge it",
        NoticeKinds.PolicyReviewDue => "See the policy",
        NoticeKinds.CredentialsRotationDue => "See the account",
        NoticeKinds.RetentionErased => "See the retention report",
        _ => "Open it",
    };

    static string Footer(string? unsubscribeUrl) =>
        "This message comes from the school's compliance ledger; it sends at most one message a day."
        + (unsubscribeUrl is null
            ? "\n\nThese are compliance deadlines, so they cannot be turned off."
            : $"\n\nTo stop copies about other people, open {unsubscribeUrl}. Your own deadlines will still be sent.");

    static string Domain(MailboxAddress from) => from.Address.Contains('@', StringComparison.Ordinal) ? from.Domain : "compliance-ledger.local";
}
