import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { quote, UsageError } from './errors.js';

let esmHooks: Promise<void> | undefined;
let commonJsHooks: Promise<void> | undefined;

/**
 * Registers tsx's ES module hooks once for the process, so that `import()` of a TypeScript
 * module that loads as an ES module (`.mts`, or `.ts` in a `"type": "module"` package) works.
 *
 * The hooks are registered globally rather than through tsx's isolated `tsImport`: that
 * gives the module its own copy of `@cloudport/core`, with its own resource resolver and
 * error classes, so handlers could reach no bucket and dead-letter errors would be taken for
 * retries.
 */
export function enableTypeScriptModules(): Promise<void> {
  esmHooks ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });

  return esmHooks;
}

/**
 * Loads a TypeScript module that Node treats as CommonJS (`.cts`, or `.ts` in a package
 * without `"type": "module"`) through the CommonJS loader, with tsx compiling it, and returns
 * its exports as `import()` would (`default` is `module.exports`).
 *
 * Such a module requires `@cloudport/core`, an ES module. Node 20.19 and later load an ES
 * module for `require()` in the same module graph as `import`, so the pipeline and the CLI
 * share one copy of core. tsx's CommonJS hook would instead compile every ES module it is
 * asked for into a second, CommonJS copy; files of `"type": "module"` packages are therefore
 * left to Node's own loader. Older Node versions cannot do this at all: the module then gets
 * a usage error that names the ways out.
 */
export async function requireTypeScript(
  specifier: string,
  path: string,
): Promise<Record<string, unknown>> {
  if (!process.features.require_module) {
    throw new UsageError(
      `pipeline module ${quote(specifier)} loads as CommonJS, and Node ` +
        `${process.version} cannot require() the ES module @cloudport/core from it; ` +
        'use Node 20.19 or later, rename the file to .mts, or add "type": "module" to its ' +
        'package.json',
    );
  }
  await enableTypeScriptModules();
  commonJsHooks ??= registerCommonJsHooks();
  await commonJsHooks;

  return { default: createRequire(path)(path) };
}

type Loader = (module: NodeJS.Module, filename: string) => unknown;

async function registerCommonJsHooks(): Promise<void> {
  const extensions = createRequire(import.meta.url).extensions as unknown as Record<string, Loader>;
  const nodeJs = extensions['.js']!;
  const { register } = await import('tsx/cjs/api');
  register();
  const tsxJs = extensions['.js']!;
  // require.extensions is deprecated but still the one synchronous hook Node 20 has; tsx
  // itself installs its compiler there.
  extensions['.js'] = function load(this: unknown, module, filename) {
    const loader = isModulePackageFile(filename) ? nodeJs : tsxJs;
    return loader.call(this, module, filename);
  };
  extensions['.mjs'] = nodeJs;
}

const packageTypes = new Map<string, boolean>();

/** True for a file whose nearest package.json says `"type": "module"`. */
function isModulePackageFile(filename: string): boolean {
  const seen: string[] = [];
  let directory = dirname(filename);
  let module: boolean | undefined;
  for (;;) {
    module = packageTypes.get(directory);
    if (module !== undefined) break;
    seen.push(directory);
    const type = readPackageType(join(directory, 'package.json'));
    if (type !== undefined) {
      module = type === 'module';
      break;
    }
    const parent = dirname(directory);
    if (parent === directory) {
      module = false;
      break;
    }
    directory = parent;
  }
  for (const folder of seen) packageTypes.set(folder, module);

  return module;
}

/** The package's `type` (`''` when it has none), or undefined when there is no package.json. */
function readPackageType(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const { type } = JSON.parse(text) as { type?: unknown };
    return typeof type === 'string' ? type : '';
  } catch {
    return '';
  }
}
