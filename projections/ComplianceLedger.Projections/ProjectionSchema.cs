using ComplianceLedger.EventStore.Migrations;

namespace ComplianceLedger.Projections;

/// <summary>The read models' SQL (<c>Sql/1NN_*.sql</c>), applied after the store's own scripts.</summary>
public static class ProjectionSchema
{
    public static IReadOnlyList<LedgerMigrator.Script> Scripts { get; } =
        LedgerMigrator.LoadScripts(typeof(ProjectionSchema).Assembly, "ComplianceLedger.Projections.Sql.");
}
