import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/shared.js';

/**
 * No import cycles in src/: a cycle makes module initialisation order-dependent (a value read
 * before its module has run is `undefined`) and ties layers together that should stand alone.
 * A small walker over src/**\/*.ts: every relative `import`/`export … from` and `import()` with a
 * literal path, type-only ones included (they are still a dependency between the two modules).
 */
const srcDir = join(repoRoot, 'src');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.ts$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name)) out.push(path);
  }
  return out;
}

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|^\s*import\s*['"](\.[^'"]+)['"]/gm;

/** The src/ files a file imports, resolved from the `.js` specifiers TypeScript's ESM uses. */
function importsOf(file: string, known: ReadonlySet<string>): string[] {
  // Comments may quote import lines; they are not dependencies.
  const text = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');
  const out = new Set<string>();
  for (const match of text.matchAll(SPECIFIER)) {
    const spec = match[1] ?? match[2] ?? match[3];
    const base = resolve(dirname(file), spec);
    const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
    const target = candidates.find((c) => known.has(c));
    if (target === undefined) throw new Error(`${file}: cannot resolve import "${spec}"`);
    out.add(target);
  }
  return [...out];
}

/** Every cycle's files in import order (Tarjan's strongly connected components, size > 1 or a self-import). */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, indices.get(w) as number));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component);
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return cycles;
}

describe('src/ import graph', () => {
  const files = sourceFiles(srcDir);
  const known = new Set(files);
  const graph = new Map(files.map((f) => [f, importsOf(f, known)]));

  it('the walker sees the imports (a sanity check on the parser)', () => {
    const program = join(srcDir, 'cli', 'program.ts');
    expect(graph.get(program)).toContain(join(srcDir, 'cli', 'commands', 'index.ts'));
    expect(
      findCycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual([['c', 'b', 'a']]);
  });

  it('has no import cycle', () => {
    const cycles = findCycles(graph).map((c) =>
      c
        .map((f) => relative(srcDir, f))
        .sort()
        .join(' <-> '),
    );
    expect(cycles).toEqual([]);
  });
});
