namespace ComplianceLedger.Api.ToDo;

/// <summary>
/// How to act on something without copying values from anyone else's view: the request to send,
/// the body values the ledger already knows, what the person fills in themselves, and the
/// If-Match to send (the stream version, where the decision checks it).
/// </summary>
public sealed record NextStep(string Method, string Href, IReadOnlyDictionary<string, string> Body, IReadOnlyList<string> YouFillIn, string? IfMatch);
