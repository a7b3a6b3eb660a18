using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore.PersonalData;

namespace ComplianceLedger.Api.Credentials;

/// <summary>
/// A vault reference says where a login is kept ("KeePass: Comms/Facebook"). The guard refuses
/// anything like a secret, but a reference is free text someone typed, so it is sealed too: each
/// under a key of its own (a fresh subject id, named in the sealed value), so that a secret that
/// slipped past the guard is erased by shredding that one key, without erasing anyone's name and
/// without stopping the account's later lodgings and rotations. References in events recorded
/// before they were sealed are plain text and read as they are.
/// </summary>
public static class VaultReference
{
    public static Task<string> SealAsync(PersonalDataVault vault, string tenant, string reference, CancellationToken ct) =>
        vault.SealAsync(tenant, Guid.CreateVersion7(), reference, ct);

    /// <summary>A reference as a reader sees it: opened, as it was (if recorded plain), or "(erased)" once its key is shredded.</summary>
    public static string Shown(string stored, IReadOnlyDictionary<string, string?> opened) =>
        !PersonalDataVault.IsSealed(stored) ? stored : opened.GetValueOrDefault(stored) ?? ListPeople.Erased;
}
