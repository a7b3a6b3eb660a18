using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore.PersonalData;

namespace ComplianceLedger.Api.Retention;

/// <summary>
/// What a reader shows for a sealed value that no longer opens: "erased under retention" when the
/// key was shredded by the retention table (<c>shredded_by</c> <c>retention:…</c>), "(erased)" for any
/// other erasure. Looked up only for values that did not open, so a page with none pays nothing.
/// </summary>
public static class ErasedWords
{
    public const string UnderRetention = "erased under retention";

    public static string For(string? shreddedBy) =>
        shreddedBy is not null && shreddedBy.StartsWith(PersonalDataErased.ShreddedByPrefix, StringComparison.Ordinal) ? UnderRetention : ListPeople.Erased;

    /// <summary>The words for each of <paramref name="unopened"/> (sealed values that opened to nothing).</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ForAsync(
        PersonalDataVault vault, string urn, IEnumerable<string> unopened, CancellationToken ct)
    {
        var values = unopened.Distinct(StringComparer.Ordinal).ToList();
        var words = new Dictionary<string, string>(StringComparer.Ordinal);
        if (values.Count == 0)
        {
            return words;
        }
        var subjects = values.Select(v => (Value: v, Subject: PersonalDataVault.SubjectOf(v))).ToList();
        var by = await vault.ShreddedByAsync(urn, subjects.Where(s => s.Subject is not null).Select(s => s.Subject!.Value), ct);
        foreach (var (value, subject) in subjects)
        {
            words[value] = For(subject is { } id ? by.GetValueOrDefault(id) : null);
        }
        return words;
    }
}
