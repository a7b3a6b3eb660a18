using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Npgsql;

namespace ComplianceLedger.EventStore.Projections;

/// <summary>
/// Where a transaction's projection SQL writes and reads, and which day its rules judge by.
/// Live work uses the <c>rm</c> schema and today. A rebuild or an "as of" question redirects its
/// transaction to session-temporary copies of the tables (<c>pg_temp</c>), and an "as of"
/// question judges by its own day, so the same projection code answers all three.
/// </summary>
public static partial class ProjectionTarget
{
    public const string LiveSchema = "rm";

    public const string TemporarySchema = "pg_temp";

    /// <summary>A full rebuild's copies of the <c>rm</c> tables, swapped in whole when it is done.</summary>
    public const string ShadowSchema = "rm_shadow";

    sealed record Redirect(string Schema, DateOnly? Today);

    static readonly ConditionalWeakTable<NpgsqlTransaction, Redirect> redirects = [];

    /// <summary>Sends the transaction's read-model SQL to <paramref name="schema"/>, judging by <paramref name="today"/> if given.</summary>
    /// <remarks>Npgsql hands the same transaction object out again on a pooled connection, so whoever
    /// redirects must point it back at <see cref="LiveSchema"/> when done, which forgets it.
    /// </remarks>
    public static void RedirectTo(NpgsqlTransaction transaction, string schema, DateOnly? today = null)
    {
        if (schema == LiveSchema && today is null)
        {
            redirects.Remove(transaction);
        }
        else
        {
            redirects.AddOrUpdate(transaction, new Redirect(schema, today));
        }
    }

    /// <summary>The schema the transaction's read-model SQL goes to.</summary>
    public static string SchemaOf(NpgsqlTransaction? transaction) =>
        transaction is not null && redirects.TryGetValue(transaction, out var redirect) ? redirect.Schema : LiveSchema;

    /// <summary>The SQL with <c>rm.</c> table names pointed at the transaction's schema.</summary>
    public static string Sql(NpgsqlTransaction? transaction, string sql) =>
        SchemaOf(transaction) is var schema && schema == LiveSchema ? sql : LiveTableName().Replace(sql, schema + ".");

    /// <summary>The day rules judge by in this transaction: an "as of" day, or today.</summary>
    public static DateOnly Today(NpgsqlTransaction? transaction, TimeProvider time) =>
        transaction is not null && redirects.TryGetValue(transaction, out var redirect) && redirect.Today is { } day
            ? day
            : SchoolDay.Today(time);

    [GeneratedRegex(@"\brm\.")]
    private static partial Regex LiveTableName();
}
