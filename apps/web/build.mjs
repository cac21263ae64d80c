// Bundles the dashboard into dist/apps/control-plane/web, which the control plane
// serves at `/` (apps/control-plane/src/web): index.html plus one script and one
// stylesheet under assets/, named by content hash. Everything is in the bundle:
// preact, socket.io-client and the protocol's schemas; the page fetches nothing else.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { englishOnlyZod } from '../../scripts/esbuild-english-zod.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../../dist/apps/control-plane/web');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
const result = await build({
  entryPoints: [join(here, 'src/main.tsx'), join(here, 'src/styles.css')],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome111', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  plugins: [englishOnlyZod],
});

const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
const script = outputs.find((name) => /^main-.*\.js$/.test(name));
const style = outputs.find((name) => /^styles-.*\.css$/.test(name));
if (!script || !style) throw new Error(`web build: expected main-*.js and styles-*.css, got ${outputs.join(', ')}`);
const page = readFileSync(join(here, 'src/index.html'), 'utf8').replace('%SCRIPT%', `/assets/${script}`).replace('%STYLE%', `/assets/${style}`);
writeFileSync(join(out, 'index.html'), page);
const bytes = (name) => result.metafile.outputs[Object.keys(result.metafile.outputs).find((path) => path.endsWith(name))].bytes;
process.stdout.write(`web: dist/apps/control-plane/web (${script} ${Math.round(bytes(script) / 1024)} KiB, ${style} ${Math.round(bytes(style) / 1024)} KiB)\n`);
