using ComplianceLedger.Api.Mail.Pages;
using ComplianceLedger.Api.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Wolverine;

namespace ComplianceLedger.Api.Mail;

public static class MailSetup
{
    /// <summary>The mail sender and its settings, the development catcher, the "mail" health check and Wolverine's retries.</summary>
    public static IServiceCollection AddLedgerMail(this IServiceCollection services)
    {
        // Bound when first resolved, so test hosts' settings count; checked before the app serves.
        services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MailOptions>, MailOptionsValidator>();
        services.AddSingleton<MailHealth>();
        services.AddSingleton<MailSettings>();
        services.AddSingleton<LocalMailServer>();
        services.AddHostedService(sp => sp.GetRequiredService<LocalMailServer>());
        services.AddSingleton<MailTarget>();
        services.AddSingleton<MailSender>();
        services.AddSingleton<IWolverineExtension, MailRetryPolicy>();
        services.AddHealthChecks().AddCheck<MailHealthCheck>("mail");
        return services;
    }

    /// <summary><c>/dev/mail</c> (Development only, like <c>/dev/sign-in</c>): the mail the app caught.</summary>
    public static IEndpointRouteBuilder MapDevMail(this IEndpointRouteBuilder app, IHostEnvironment environment)
    {
        if (environment.IsDevelopment())
        {
            app.MapGet("/dev/mail", (LocalMailServer local, MailTarget target) =>
                new RazorComponentResult<DevMailPage>(new { local.Enabled, Messages = local.Messages, Target = target.Describe() })).AsPage();
            app.MapGet("/dev/mail/{id:int}", Results<RazorComponentResult<DevMailMessagePage>, NotFound> (int id, LocalMailServer local) =>
                local.Find(id) is { } caught
                    ? new RazorComponentResult<DevMailMessagePage>(new { Caught = caught })
                    : TypedResults.NotFound()).AsPage();
        }
        return app;
    }
}
