namespace ComplianceLedger.EventStore.Packs;

/// <summary>One file of an evidence pack: its name at the zip's root and its bytes.</summary>
public sealed record PackFile(string Name, byte[] Content);
