namespace ComplianceLedger.Api.Hosting;

public static class OpenApiSetup
{
    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c>, described from the endpoints' typed results.</summary>
    public static WebApplicationBuilder AddLedgerOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "ComplianceLedger";
            document.Info.Description =
                "Social media policy compliance for schools, recorded in a tamper-evident ledger. Every error is an RFC 7807 problem; "
                + "commands answer with the stream version as ETag, take it back as If-Match, and honour Idempotency-Key.";
            return Task.CompletedTask;
        }));
        return builder;
    }
}
