// The packaging tests' one way to make an app from the registry around the packed tarball.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Packs the repository into `app` and installs it there beside `dependencies` and
 * `devDependencies` (pinned versions from the registry, npm's cache preferred), with `files`
 * (path → text) written first.
 */
export function installApp(app, name, files, { dependencies = {}, devDependencies = {} } = {}) {
  const tarball = execFileSync("npm", ["pack", "--pack-destination", app, "--ignore-scripts", "--silent"], { cwd: root, encoding: "utf8" }).trim();
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name, private: true, type: "module", dependencies: { cachebus: `file:./${tarball}`, ...dependencies }, devDependencies }),
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(app, path)), { recursive: true });
    writeFileSync(join(app, path), text);
  }
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: app, stdio: "inherit" });
}
