// Every page works without this; it adds GOV.UK Frontend's behaviour (the navigation's menu button,
// error summary focus, details, radios' conditional reveals) where a browser runs modules.
import { initAll } from "./govuk-frontend.min.js";

initAll();
