using System.Text.RegularExpressions;
using Microsoft.OpenApi;

namespace ComplianceLedger.Api.Hosting;

public static partial class OpenApiSetup
{
    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c>, described from the endpoints' typed results.</summary>
    public static WebApplicationBuilder AddLedgerOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.CreateSchemaReferenceId = OpenApiProblems.SchemaNames();
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "ComplianceLedger";
                document.Info.Description =
                    "Social media policy compliance for schools, recorded in a tamper-evident ledger. Every error is an RFC 7807 problem; "
                    + "commands answer with the stream version as ETag, take it back as If-Match, and honour Idempotency-Key.";
                return Task.CompletedTask;
            });
            // The plausible-date converters hide the types from the schema generator: say them again.
            options.AddSchemaTransformer((schema, context, _) =>
            {
                var type = context.JsonTypeInfo.Type;
                var nullable = Nullable.GetUnderlyingType(type) is not null;
                var format = (Nullable.GetUnderlyingType(type) ?? type) switch
                {
                    var t when t == typeof(DateOnly) => "date",
                    var t when t == typeof(DateTimeOffset) => "date-time",
                    _ => null,
                };
                if (format is not null)
                {
                    schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
                    schema.Format = format;
                }
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                DescribeRouteParameters(operation, context.Description.RelativePath ?? "");
                // Commands on a school's records; a checkpoint (no body) records no one's change.
                if (operation.RequestBody is not null && (context.Description.RelativePath ?? "").StartsWith("api/schools/", StringComparison.Ordinal))
                {
                    DescribeCommandHeaders(operation);
                }
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(OpenApiProblems.Describe);
            options.AddDocumentTransformer(OpenApiProblems.DescribeProblemSchema);
        });
        return builder;
    }

    /// <summary>
    /// Every segment of the route is a parameter of the operation, whether or not its handler binds it
    /// (the school's URN is bound once, by the membership filter), so a generated client can fill it.
    /// </summary>
    static void DescribeRouteParameters(OpenApiOperation operation, string route)
    {
        operation.Parameters ??= [];
        foreach (Match segment in RouteParameter().Matches(route))
        {
            var name = segment.Groups["name"].Value;
            if (operation.Parameters.Any(p => p.In == ParameterLocation.Path && p.Name == name))
            {
                continue;
            }
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Path,
                Required = true,
                Schema = segment.Groups["constraint"].Value == "guid"
                    ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" }
                    : new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }
    }

    static void DescribeCommandHeaders(OpenApiOperation operation)
    {
        AddHeader(operation, "If-Match",
            "The ETag of the record as last read (one quoted version such as \"3\"); a stale one is refused with 412.", null);
        AddHeader(operation, "Idempotency-Key",
            "A key of the client's choosing (letters, digits and . _ : -); a retry with the same key returns the first result and records nothing again.",
            @"^[A-Za-z0-9._:-]{1,200}$");
    }

    static void AddHeader(OpenApiOperation operation, string name, string description, string? pattern)
    {
        operation.Parameters ??= [];
        if (!operation.Parameters.Any(p => p.In == ParameterLocation.Header && string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Header,
                Description = description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = pattern },
            });
        }
    }

    [GeneratedRegex(@"\{(?<name>[A-Za-z]+)(:(?<constraint>[a-z]+))?\}")]
    private static partial Regex RouteParameter();
}
