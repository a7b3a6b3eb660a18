// Every page works without this; it adds GOV.UK Frontend's behaviour where a browser runs modules:
// the skip link's focus, the service navigation's menu button, the error summary's focus, the
// notification banner's focus, radios' and checkboxes' conditional reveals, and buttons' double-click
// guard. Only these components are bundled (build.mjs): add one here when a page first uses its
// data-module.
import {
  Button,
  Checkboxes,
  ErrorSummary,
  NotificationBanner,
  Radios,
  ServiceNavigation,
  SkipLink,
  createAll,
} from "govuk-frontend";

for (const component of [SkipLink, ServiceNavigation, ErrorSummary, NotificationBanner, Radios, Checkboxes, Button]) {
  createAll(component);
}
