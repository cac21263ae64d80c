// Bundles the agent into one file, dist/agent/tarmac-agent.mjs: what the `tarmac-agent`
// bin and the agent image run. One file loads and holds less than a tree of modules
// and the host needs no node_modules.
//
// dockerode loads code for engine features the agent never uses: ssh2 (with its
// WebAssembly crypto, about 15 MB resident) for ssh:// engines, gRPC and protobuf for
// BuildKit image builds. The agent only talks to the engine's socket (--engine-socket)
// and never builds images, so they are left out of the bundle: using one fails with a
// message saying why.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { englishOnlyZod } from '../../scripts/esbuild-english-zod.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, '../../dist/agent/tarmac-agent.mjs');

const UNUSED = {
  ssh2: 'ssh:// container engines are not supported; give tarmac-agent the engine socket (--engine-socket)',
  '@grpc/grpc-js': 'BuildKit sessions (image builds) are not part of tarmac-agent',
  '@grpc/proto-loader': 'BuildKit sessions (image builds) are not part of tarmac-agent',
  protobufjs: 'BuildKit (image builds) is not part of tarmac-agent',
};

const withoutUnused = {
  name: 'without-unused-engine-features',
  setup(builder) {
    const names = Object.keys(UNUSED).map((name) => name.replace(/[/.]/g, '\\$&'));
    builder.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'unused' }));
    // Loading succeeds, and so does naming an export (dockerode requires them, and takes
    // ssh2's Client, up front); calling or constructing anything throws.
    builder.onLoad({ filter: /.*/, namespace: 'unused' }, (args) => ({
      contents: `const fail = () => { throw new Error(${JSON.stringify(`${args.path}: ${UNUSED[args.path]}`)}); };
        const unusable = new Proxy(function () {}, { apply: fail, construct: fail, get: (_, key) => (key === '__esModule' ? false : unusable) });
        module.exports = unusable;`,
      loader: 'js',
    }));
  },
};

const result = await build({
  entryPoints: [join(here, 'src/main.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Whitespace and syntax only: stack traces keep their function names.
  minifyWhitespace: true,
  minifySyntax: true,
  outfile,
  // The CommonJS dependencies (dockerode) call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as tarmacCreateRequire } from 'node:module'; const require = tarmacCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
  plugins: [englishOnlyZod, withoutUnused],
});
const bytes = Object.values(result.metafile.outputs)[0].bytes;
process.stdout.write(`agent: dist/agent/tarmac-agent.mjs (${Math.round(bytes / 1024)} KiB)\n`);
