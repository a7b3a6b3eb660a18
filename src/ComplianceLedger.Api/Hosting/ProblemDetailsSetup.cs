using System.Text.Json;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Chain;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;

namespace ComplianceLedger.Api.Hosting;

public static class ProblemDetailsSetup
{
    public const long MaxRequestBodyBytes = 256 * 1024;

    /// <summary>
    /// How much to reserve for buffering a body: what it declares, but never more than a command
    /// may be. A declared length is only a claim (Kestrel enforces the limit as the body is read),
    /// so reserving it whole would let a header alone ask for gigabytes.
    /// </summary>
    public static int InitialBufferSize(HttpRequest request) =>
        request.ContentLength is { } declared and > 0 ? (int)Math.Min(declared, MaxRequestBodyBytes) : 0;

    /// <summary>Every error is an RFC 7807 problem; input the ledger cannot take is a 4xx, never a 500.</summary>
    public static WebApplicationBuilder AddLedgerProblemDetails(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemWords.Complete);
        builder.AnswerKestrelRejectionsWithProblems();
        builder.Services.AddExceptionHandler<LedgerExceptionHandler>();
        // Binding failures throw, so the handler can say what was wrong instead of an empty 400.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // Request bodies are read as strictly as events: unknown members, nulls where a value is
        // required, and integers for enums are all refused.
        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.RespectNullableAnnotations = true;
            o.SerializerOptions.Converters.Add(new PlausibleDates.DateConverter());
            o.SerializerOptions.Converters.Add(new PlausibleDates.InstantConverter());
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(
                JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        });
        // Commands are small; the raw append endpoint raises its own limit.
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        return builder;
    }
}

sealed partial class LedgerExceptionHandler(IProblemDetailsService problems, ILogger<LedgerExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            // A page's form whose antiforgery token is missing, stale or from another session:
            // reading the form then throws, whichever part of the request read it first.
            _ when context.Features.Get<Microsoft.AspNetCore.Antiforgery.IAntiforgeryValidationFeature>() is { IsValid: false } =>
                (StatusCodes.Status400BadRequest, "This form has expired",
                    "The page was open for a long time, in another window, or before you signed in again. Nothing was recorded: go back, reload the page and send the form again."),
            // The framework's own words name .NET types and its internals: say it in the user's.
            BadHttpRequestException e => ProblemWords.Describe(context, e),
            LedgerFormatException e => (StatusCodes.Status400BadRequest, "The ledger cannot accept this input", e.Message),
            CommandRefusedException e => (e.Status, e.Title, e.Message),
            WrongExpectedVersionException e => (StatusCodes.Status412PreconditionFailed, "The record has changed since you read it", e.Message),
            CommandIdReusedException e => (StatusCodes.Status422UnprocessableEntity, "Idempotency-Key already used for another request", e.Message),
            // A JSON body in a charset .NET does not know (charset="é"): the framework throws before reading it.
            InvalidOperationException { InnerException: ArgumentException } e
                when e.Message.StartsWith("Unable to read the request as JSON because the request content type charset", StringComparison.Ordinal) =>
                (StatusCodes.Status415UnsupportedMediaType, "Unsupported content type", "Send the body as JSON in UTF-8, with Content-Type: application/json."),
            _ => (StatusCodes.Status500InternalServerError, "Something went wrong on our side", (string?)null),
        };
        if (status >= 500)
        {
            LogUnhandled(exception);
        }
        context.Response.StatusCode = status;
        var problem = new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        };
        if (await problems.TryWriteAsync(problem))
        {
            return true;
        }
        // The client accepts no JSON (Accept: text/plain, or nonsense): the API's answer is problem
        // JSON all the same. Left unwritten, the middleware turned a 404 refusal into a 500.
        ProblemWords.Complete(problem);
        await Results.Problem(problem.ProblemDetails).ExecuteAsync(context);
        return true;
    }

    [LoggerMessage(LogLevel.Error, "Unhandled error")]
    partial void LogUnhandled(Exception exception);
}
