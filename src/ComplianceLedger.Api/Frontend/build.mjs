// Builds the pages' assets into ../wwwroot/assets/ (run by ComplianceLedger.Api.csproj on every build):
// - app.css: Styles/app.scss compiled, then every rule for a govuk-*/app-* class that no page, no C#
//   file and no script names is dropped (GOV.UK Frontend's components carry many variants the pages
//   never use), and the colour variables' fallbacks, which :root always defines, are left out;
// - init.mjs: Scripts/init.mjs with the GOV.UK Frontend components it imports, bundled and minified;
// - js-enabled.js as it is.
// A class is found by its whole name in the source: write class names whole, never built from parts.
import { readFileSync, readdirSync, writeFileSync, mkdirSync, statSync, rmSync, renameSync } from "node:fs";
import { join, dirname, extname } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const project = join(here, "..");
const out = join(project, "wwwroot", "assets");
mkdirSync(out, { recursive: true });
const written = new Set();
// Each file whole or not at all (a running app may be serving the folder), by a rename.
function put(name, text) {
  const temporary = join(out, `${name}.${process.pid}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, join(out, name));
  written.add(name);
}

// Scripts first: the bundle's text is part of what names classes (a component adds some as it runs).
const bundle = await esbuild.build({
  entryPoints: [join(here, "Scripts", "init.mjs")],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  legalComments: "none",
  banner: { js: "/* GOV.UK Frontend 6 (MIT licence, Crown copyright): only the components the pages use. */" },
  write: false,
  logLevel: "warning",
});
const script = bundle.outputFiles[0].text;
put("init.mjs", script);
put("js-enabled.js", readFileSync(join(here, "Scripts", "js-enabled.js"), "utf8"));

// Every text that may hold a class name: the app's markup and C#, and the scripts.
const sources = [script, readFileSync(join(here, "Scripts", "js-enabled.js"), "utf8")];
(function scan(folder) {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) {
      if (!["bin", "obj", "Frontend", "wwwroot", "node_modules"].includes(name)) {
        scan(path);
      }
    } else if ([".razor", ".cs", ".cshtml", ".html"].includes(extname(name))) {
      sources.push(readFileSync(path, "utf8"));
    }
  }
})(project);
const named = sources.join("\n");
const used = new Map();
const isUsed = (cls) => {
  if (!used.has(cls)) {
    used.set(cls, named.includes(cls));
  }
  return used.get(cls);
};

const compiled = sass.compile(join(here, "Styles", "app.scss"), {
  style: "compressed",
  loadPaths: [join(here, "node_modules")],
  sourceMap: false,
}).css;

put("app.css", purge(compiled));

// Nothing else is left to be served: a file an older build wrote (the whole GOV.UK Frontend script, once) goes.
for (const name of readdirSync(out)) {
  // (Another build's file on its way is left alone.)
  if (!written.has(name) && !name.endsWith(".tmp")) {
    rmSync(join(out, name), { recursive: true, force: true });
  }
}

/** The CSS without the rules whose selectors all need a class nothing names. */
function purge(css) {
  const variables = new Set([...css.matchAll(/(--govuk-[a-z-]+-colour):/g)].map((m) => m[1]));
  const kept = blocks(css.replace(/^\uFEFF/, ""))
    .map((block) => keep(block))
    .join("");
  // A fallback is there for pages without the custom properties; these pages always have them.
  return kept.replace(/var\((--govuk-[a-z-]+-colour), ?#[0-9a-fA-F]{3,8}\)/g, (all, name) => (variables.has(name) ? `var(${name})` : all));
}

function keep({ prelude, body }) {
  if (body === null) {
    return prelude;
  }
  if (prelude.startsWith("@")) {
    if (/^@(media|supports|layer)\b/.test(prelude)) {
      const inner = blocks(body).map((block) => keep(block)).join("");
      return inner === "" ? "" : `${prelude}{${inner}}`;
    }
    return `${prelude}{${body}}`;
  }
  const selectors = split(prelude).filter((selector) => needed(selector));
  return selectors.length === 0 ? "" : `${selectors.join(",")}{${body}}`;
}

/** A selector can match only if every class it requires is named somewhere (:not() and the like aside). */
function needed(selector) {
  let plain = selector;
  // Classes inside functional pseudo-classes (:not(), :is(), :has()) do not decide: keep them.
  while (/:[a-z-]+\([^()]*\)/.test(plain)) {
    plain = plain.replace(/:[a-z-]+\([^()]*\)/g, "");
  }
  plain = plain.replace(/\[[^\]]*\]/g, "");
  for (const m of plain.matchAll(/\.((?:govuk|app)-(?:[\w-]|\\.)+)/g)) {
    if (!isUsed(m[1].replace(/\\(.)/g, "$1"))) {
      return false;
    }
  }
  return true;
}

/** Top-level rules and at-rules of a compressed stylesheet: { prelude, body } (body null for `@x ...;`). */
function blocks(css) {
  const result = [];
  let i = 0;
  while (i < css.length) {
    let j = i;
    let quote = null;
    let depth = 0;
    while (j < css.length) {
      const c = css[j];
      if (quote) {
        if (c === "\\") j++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === "(" || c === "[") depth++;
      else if (c === ")" || c === "]") depth--;
      else if (depth === 0 && (c === "{" || c === ";")) break;
      j++;
    }
    const prelude = css.slice(i, j);
    if (j >= css.length || css[j] === ";") {
      if (prelude.trim() !== "") result.push({ prelude: prelude + ";", body: null });
      i = j + 1;
      continue;
    }
    let k = j + 1;
    let nesting = 1;
    quote = null;
    while (k < css.length && nesting > 0) {
      const c = css[k];
      if (quote) {
        if (c === "\\") k++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === "{") nesting++;
      else if (c === "}") nesting--;
      k++;
    }
    result.push({ prelude, body: css.slice(j + 1, k - 1) });
    i = k;
  }
  return result;
}

/** A selector list split at its top-level commas. */
function split(list) {
  const parts = [];
  let depth = 0;
  let quote = null;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts;
}
