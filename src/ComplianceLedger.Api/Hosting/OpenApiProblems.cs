using System.Collections.Concurrent;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ComplianceLedger.Api.Hosting;

/// <summary>
/// What the document says of errors and of schema names, decided once for every endpoint by the
/// kind of route, so that a new endpoint is described as fully as the old ones without edits.
/// </summary>
static class OpenApiProblems
{
    const string ProblemSchema = "ProblemDetails";

    static readonly Dictionary<int, string> Descriptions = new()
    {
        [StatusCodes.Status400BadRequest] = "The request is not valid: the problem names the field and what was expected.",
        [StatusCodes.Status401Unauthorized] = "Not signed in.",
        [StatusCodes.Status403Forbidden] = "Not permitted for your role, or you are no longer at the school.",
        [StatusCodes.Status404NotFound] = "No such record (another school's records do not exist for you).",
        [StatusCodes.Status409Conflict] = "The record's state does not allow this (already done, or decided otherwise).",
        [StatusCodes.Status412PreconditionFailed] = "If-Match names a version the record has moved past: read it again.",
        [StatusCodes.Status413PayloadTooLarge] = "The request body is too large.",
        [StatusCodes.Status415UnsupportedMediaType] = "The body must be sent as application/json.",
        [StatusCodes.Status422UnprocessableEntity] = "The Idempotency-Key was used for a different request.",
        [StatusCodes.Status503ServiceUnavailable] = "Too many questions about the past at once: ask again shortly.",
    };

    /// <summary>
    /// Every schema gets a name of its own: a record nested in a use case is named after it
    /// (<c>DeclareRelationship.Request</c> is <c>DeclareRelationshipRequest</c>), since the use cases all
    /// call theirs Request or Summary; should two types still meet on a name, the later one takes its namespace too.
    /// </summary>
    public static Func<JsonTypeInfo, string?> SchemaNames()
    {
        var taken = new ConcurrentDictionary<string, Type>(StringComparer.Ordinal);
        return info =>
        {
            if (OpenApiOptions.CreateDefaultSchemaReferenceId(info) is null)
            {
                return null;
            }
            var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
            var name = Name(type);
            return taken.GetOrAdd(name, type) == type ? name : (type.Namespace?.Split('.')[^1] ?? "") + name;
        };
    }

    static string Name(Type type)
    {
        var own = type.Name.Split('`')[0];
        if (type.IsGenericType)
        {
            own += "Of" + string.Concat(type.GetGenericArguments().Select(Name));
        }
        return type.IsNested && type.DeclaringType is { } outer ? Name(outer).Replace("Endpoints", "", StringComparison.Ordinal) + own : own;
    }

    /// <summary>The problems every kind of route can answer, each as problem details.</summary>
    public static Task Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken _)
    {
        var description = context.Description;
        var route = description.RelativePath ?? "";
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var statuses = new SortedSet<int>
        {
            // Every request's path and query are checked (a NUL, an unreadable value) before anything else.
            StatusCodes.Status400BadRequest,
        };
        if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
        {
            // Not signed in; or signed in as someone who has left, or whose role may not do this.
            statuses.Add(StatusCodes.Status401Unauthorized);
            statuses.Add(StatusCodes.Status403Forbidden);
        }
        if (route.Contains('{', StringComparison.Ordinal))
        {
            statuses.Add(StatusCodes.Status404NotFound);
        }
        if (operation.Parameters?.Any(p => p.In == ParameterLocation.Query && p.Name == "asOf") == true)
        {
            // Replaying history is rationed: too many questions at once are asked to come back.
            statuses.Add(StatusCodes.Status503ServiceUnavailable);
        }
        if (operation.RequestBody is not null)
        {
            statuses.UnionWith([
                StatusCodes.Status409Conflict, StatusCodes.Status412PreconditionFailed, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity,
            ]);
        }
        else if (!HttpMethods.IsGet(description.HttpMethod ?? "") && route.StartsWith("api/schools/", StringComparison.Ordinal))
        {
            // A command without a body still meets the record's state.
            statuses.Add(StatusCodes.Status409Conflict);
        }
        operation.Responses ??= [];
        foreach (var status in statuses)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (operation.Responses.TryGetValue(key, out var existing) && existing is OpenApiResponse { Content: { } content })
            {
                // Described by the endpoint (as-of reads): keep its words, with the ledger's problem schema.
                content.Clear();
                content["application/problem+json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) };
                continue;
            }
            operation.Responses[key] = new OpenApiResponse
            {
                Description = Descriptions[status],
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) },
                },
            };
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// RFC 7807 problem details as the ledger writes them: a title and status always, and members of
    /// its own beside the standard ones (a <c>traceId</c> on every problem), which the framework's schema forbade.
    /// </summary>
    public static Task DescribeProblemSchema(OpenApiDocument document, OpenApiDocumentTransformerContext _, CancellationToken __)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 7807 problem. Further members (traceId, and any a problem adds) may appear.",
            Required = new HashSet<string> { "title", "status" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The trace of the request, to quote when reporting it." },
            },
            AdditionalPropertiesAllowed = true,
        };
        return Task.CompletedTask;
    }
}
