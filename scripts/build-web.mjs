/* global process, console */
/**
 * Builds the dashboard: web/src/main.ts bundled by esbuild (uPlot included) into dist/web/app.js,
 * with index.html, styles.css and uPlot's stylesheet copied beside it. Every asset is local, so
 * the page works with no internet access. Run: `node scripts/build-web.mjs [--if-stale] [outDir]`;
 * `--if-stale` does nothing when every output is newer than every input (what `npm run build` does).
 */
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds into `outDir` (default dist/web); resolves with the folder. */
export async function buildWeb(outDir = join(root, 'dist', 'web')) {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(root, 'web', 'src', 'main.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    target: ['es2020'],
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  const require = createRequire(import.meta.url);
  const uplotCss = join(dirname(require.resolve('uplot')), 'uPlot.min.css');
  await copyFile(uplotCss, join(outDir, 'uplot.min.css'));
  await copyFile(join(root, 'web', 'index.html'), join(outDir, 'index.html'));
  await copyFile(join(root, 'web', 'styles.css'), join(outDir, 'styles.css'));
  return outDir;
}

/** Newest modification time (ms) of the files under `path`; 0 when it does not exist. */
async function newest(path) {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = 0;
  for (const entry of await readdir(path)) latest = Math.max(latest, await newest(join(path, entry)));
  return latest;
}

/** True when a file `buildWeb` writes is missing or older than a source it reads. */
export async function webIsStale(outDir = join(root, 'dist', 'web')) {
  const outputs = await Promise.all(['app.js', 'uplot.min.css', 'index.html', 'styles.css'].map((f) => stat(join(outDir, f)).catch(() => undefined)));
  if (outputs.some((o) => o === undefined)) return true;
  const oldestOutput = Math.min(...outputs.map((o) => o.mtimeMs));
  const inputs = await Promise.all([join(root, 'web'), fileURLToPath(import.meta.url)].map(newest));
  return Math.max(...inputs) > oldestOutput;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const ifStale = args.includes('--if-stale');
  const given = args.find((a) => a !== '--if-stale');
  const outDir = given ? resolve(given) : undefined;
  if (ifStale && !(await webIsStale(outDir))) {
    console.log('dashboard up to date');
  } else {
    console.log(`dashboard built into ${await buildWeb(outDir)}`);
  }
}
