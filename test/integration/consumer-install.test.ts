/**
 * The package as a library user meets it: `npm pack`, then a new project installs the tarball on
 * this Node with `--engine-strict` and nothing else (no optional peer), imports it from ESM,
 * requires it from CommonJS and compiles a strict TypeScript consumer with `skipLibCheck: false`.
 * Needs the npm registry (or a local one, or npm's cache); without it the file skips with one line.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith, requireService } from '../support/services.js';

const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The optional peers: none of them may arrive in a policies-only install. */
const OPTIONAL_PEERS = ['ccxt', 'better-sqlite3', 'pg', 'ioredis', 'fastify', '@fastify/static', '@fastify/swagger', '@fastify/helmet', 'fastify-type-provider-zod', 'prom-client', '@opentelemetry/api'];
/** Entries whose code and declarations need none of the optional peers. */
const PEERLESS_ENTRIES = ['bulwark', 'bulwark/limits', 'bulwark/health', 'bulwark/shutdown', 'bulwark/dlq', 'bulwark/backup', 'bulwark/cache', 'bulwark/pools', 'bulwark/config', 'bulwark/chaos', 'bulwark/analytics'];

const registryUp = await requireService('the npm registry', () => run(npm, ['ping', '--fetch-retries=0', '--fetch-timeout=5000'], { timeout: 15_000 }));

describeWith(registryUp, 'a consumer project installs the packed tarball with only the policies', () => {
  let work = '';
  let project = '';
  let packed: { filename: string; files: { path: string }[] };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bulwark-consumer-'));
    // prepack builds dist/ from a clean folder, as `npm publish` would.
    const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', work], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    // The build's own output comes first on stdout; npm's JSON report is the last thing printed.
    packed = (JSON.parse(stdout.slice(stdout.lastIndexOf('\n[\n') + 1)) as (typeof packed)[])[0]!;
    project = join(work, 'consumer');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    await run(npm, ['install', '--engine-strict', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed.filename)], { cwd: project });
  }, 180_000);

  afterAll(async () => {
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  it('ships LICENSE, README, CHANGELOG, BENCHMARKS, docs and the prebuilt dashboard, and no source map pointing at unshipped sources', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'BENCHMARKS.md', 'docs/policies.md', 'dist/index.js', 'dist/index.d.ts', 'dist/web/app.js']));
    expect(files.filter((f) => f.startsWith('src/'))).toEqual([]);
    // The dashboard's map carries its sources inside (sourcesContent); the compiled library has no maps.
    expect(files.filter((f) => f.endsWith('.map'))).toEqual(['dist/web/app.js.map']);
  });

  it('ships every file its markdown links to', async () => {
    const shipped = new Set(packed.files.map((f) => f.path));
    const broken: string[] = [];
    for (const doc of [...shipped].filter((f) => f.endsWith('.md'))) {
      const text = await readFile(join(project, 'node_modules', 'bulwark', doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // absolute links
        const path = posix.normalize(posix.join(posix.dirname(doc), target!));
        if (!shipped.has(path)) broken.push(`${doc} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('installs no optional peer and builds nothing native', async () => {
    const modules = join(project, 'node_modules');
    for (const peer of OPTIONAL_PEERS) expect(existsSync(join(modules, peer)), peer).toBe(false);
    const native = (await readdir(modules, { recursive: true })).filter((f) => f.endsWith('.node') || f.endsWith('binding.gyp'));
    expect(native).toEqual([]);
  });

  it('imports every peerless entry from ESM and runs a policy', async () => {
    const imports = PEERLESS_ENTRIES.map((entry, i) => `import * as e${i} from '${entry}';`).join('\n');
    await writeFile(
      join(project, 'esm.mjs'),
      `${imports}\nconst policy = e0.pipeline(e0.retry({ maxAttempts: 3 }), e0.timeout({ ms: 1000 }));\nlet calls = 0;\nconst value = await policy.execute(async () => { calls += 1; if (calls < 2) throw new Error('once'); return 'ok'; });\nconsole.log(value, calls, [${PEERLESS_ENTRIES.map((_, i) => `e${i}`).join(', ')}].every((m) => Object.keys(m).length > 0));\n`,
    );
    const { stdout } = await run(process.execPath, ['esm.mjs'], { cwd: project });
    expect(stdout.trim()).toBe('ok 2 true');
  });

  it('requires the package from CommonJS', async () => {
    await writeFile(
      join(project, 'cjs.cjs'),
      `const bulwark = require('bulwark');\nconst { tokenBucket } = require('bulwark/limits');\nconst breaker = bulwark.circuitBreaker({ name: 'cjs' });\nbreaker.execute(async () => 'ok').then((v) => console.log(v, typeof tokenBucket, breaker.state));\n`,
    );
    const { stdout, stderr } = await run(process.execPath, ['cjs.cjs'], { cwd: project });
    expect(stdout.trim()).toBe('ok function closed');
    expect(stderr).toBe('');
  });

  it('compiles a strict TypeScript consumer (ESM and CommonJS) with skipLibCheck false', async () => {
    // The consumer's own @types/node; nothing else from this repository is visible to it.
    await mkdir(join(project, 'node_modules', '@types'), { recursive: true });
    await symlink(join(root, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'), 'dir');
    const imports = PEERLESS_ENTRIES.map((entry, i) => `import * as e${i} from '${entry}';`).join('\n');
    await writeFile(
      join(project, 'strict.mts'),
      `${imports}\nconst policy = e0.pipeline(e0.retry({ maxAttempts: 2 }), e0.circuitBreaker({ name: 'x' }));\nexport const value: Promise<number> = policy.execute(async () => 1);\nexport const entries = [${PEERLESS_ENTRIES.map((_, i) => `e${i}`).join(', ')}];\nexport const isRefusal = (e: unknown): boolean => e instanceof e0.ResilienceError;\n`,
    );
    await writeFile(join(project, 'strict.cts'), `import bulwark = require('bulwark');\nexport const policy: bulwark.Policy = bulwark.timeout({ ms: 100 });\n`);
    const compilerOptions = {
      strict: true,
      skipLibCheck: false,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      noEmit: true,
      types: ['node'],
    };
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['strict.mts', 'strict.cts'] }));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
    expect(result.stdout).toBe('');
  }, 120_000);
});
