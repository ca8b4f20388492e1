/* global process, console */
/**
 * Builds the dashboard: web/src/main.ts bundled by esbuild (uPlot included) into dist/web/app.js,
 * with index.html, styles.css and uPlot's stylesheet copied beside it. Every asset is local, so
 * the page works with no internet access. Run: `node scripts/build-web.mjs [outDir]`.
 */
import { copyFile, mkdir } from 'node:fs/promises';
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = await buildWeb(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`dashboard built into ${out}`);
}
