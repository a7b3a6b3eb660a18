using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.UseCases;

/// <summary>A family's use cases, for the contract checks.</summary>
public interface IUseCaseCatalog
{
    static abstract IReadOnlyList<UseCase> Catalog { get; }
}

/// <summary>
/// The six contract checks for every use case of a family: a family's test class derives from
/// this with itself as <typeparamref name="TFamily"/> and lists its cases.
/// </summary>
// xunit's MemberData needs static data on the class declaring the theory, hence statics on a generic type.
#pragma warning disable CA1000
public abstract class UseCaseContract<TFamily>(LedgerApp app) where TFamily : IUseCaseCatalog
{
    protected LedgerApp App { get; } = app;

    public static TheoryData<string> Names => [.. TFamily.Catalog.Where(c => c.Allowed != c.Forbidden).Select(c => c.Name)];

    public static TheoryData<string> AllNames => [.. TFamily.Catalog.Select(c => c.Name)];

    static UseCase Case(string name) => TFamily.Catalog.Single(c => c.Name == name);

    [Theory, MemberData(nameof(AllNames))]
    public Task The_right_role_succeeds(string useCase) => UseCaseChecks.RightRoleSucceeds(App, Case(useCase));

    [Theory, MemberData(nameof(Names))]
    public Task A_wrong_role_is_forbidden(string useCase) => UseCaseChecks.WrongRoleIsForbidden(App, Case(useCase));

    [Theory, MemberData(nameof(AllNames))]
    public Task Another_schools_resource_is_not_found(string useCase) => UseCaseChecks.AnotherSchoolIsNotFound(App, Case(useCase));

    [Theory, MemberData(nameof(AllNames))]
    public Task A_stale_If_Match_is_refused(string useCase) => UseCaseChecks.StaleIfMatchIsPreconditionFailed(App, Case(useCase));

    [Theory, MemberData(nameof(AllNames))]
    public Task Bad_input_is_refused_and_writes_nothing(string useCase) => UseCaseChecks.BadInputIsRefused(App, Case(useCase));

    [Theory, MemberData(nameof(AllNames))]
    public Task Extreme_values_in_a_valid_body_are_answered_never_with_a_server_error(string useCase) => UseCaseChecks.ExtremeValuesAreAnswered(App, Case(useCase));
}
#pragma warning restore CA1000
