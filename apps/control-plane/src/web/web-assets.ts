// The dashboard's built files (apps/web, bundled by `npm run build` into
// dist/apps/control-plane/web), read once at boot and served from memory: the page
// is a few small files, and a fixed table of names leaves no path to traverse.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WebAsset {
  body: Buffer;
  contentType: string;
  /** Hashed bundle names never change content; index.html must be revalidated. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Compiled: dist/apps/control-plane/src/web/ -> dist/apps/control-plane/web. From source (ts-jest): the last build's. */
const CANDIDATES = [
  fileURLToPath(new URL('../../web/', import.meta.url)),
  fileURLToPath(new URL('../../../../dist/apps/control-plane/web/', import.meta.url)),
];

export class WebAssets {
  private constructor(
    readonly index: WebAsset | undefined,
    private readonly assets: Map<string, WebAsset>,
  ) {}

  static load(dirs: string[] = CANDIDATES): WebAssets {
    const dir = dirs.find((candidate) => existsSync(join(candidate, 'index.html')));
    if (!dir) return new WebAssets(undefined, new Map());
    const assets = new Map<string, WebAsset>();
    const assetDir = join(dir, 'assets');
    if (existsSync(assetDir)) {
      for (const name of readdirSync(assetDir)) {
        const path = join(assetDir, name);
        if (!statSync(path).isFile()) continue;
        assets.set(name, { body: readFileSync(path), contentType: TYPES[extname(name)] ?? 'application/octet-stream', immutable: true });
      }
    }
    return new WebAssets({ body: readFileSync(join(dir, 'index.html')), contentType: TYPES['.html']!, immutable: false }, assets);
  }

  asset(name: string): WebAsset | undefined {
    return this.assets.get(name);
  }
}
