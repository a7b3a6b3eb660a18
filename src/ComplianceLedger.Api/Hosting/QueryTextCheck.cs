namespace ComplianceLedger.Api.Hosting;

public static class QueryTextCheck
{
    /// <summary>
    /// Refuses a query string that carries a NUL character: no text column can store one, so a
    /// filter holding it could only fail in the database. (Kestrel already refuses one in the path.)
    /// </summary>
    public static WebApplication UseQueryTextCheck(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            foreach (var (name, values) in context.Request.Query)
            {
                if (name.Contains('\0', StringComparison.Ordinal) || values.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true))
                {
                    throw ProblemWords.InOwnWords($"The query parameter \"{ProblemWords.Echo(name)}\" contains a NUL character.");
                }
            }
            return next(context);
        });
        return app;
    }
}
