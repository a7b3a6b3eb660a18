// First child of <body>, a file rather than inline script so the CSP needs no 'unsafe-inline':
// GOV.UK Frontend's styles for scripted components apply only when these classes are there.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
