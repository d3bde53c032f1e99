/**
 * What the function's bundle is made of, from esbuild's metafile: the bytes each package and
 * each module puts in the output (after tree shaking and minification), largest first. The
 * cold-start scenario prints it so that the next thing to cut is in plain view.
 */

/** The part of esbuild's metafile read here. */
export interface Metafile {
  readonly outputs: Readonly<Record<string, { readonly bytes: number; readonly entryPoint?: string; readonly inputs: Readonly<Record<string, { readonly bytesInOutput: number }>> }>>;
}

export interface Share {
  readonly name: string;
  readonly bytes: number;
}

export interface Composition {
  readonly bytes: number;
  /** By npm package (`@scope/name`), and this project's own code by folder (`lambda/protocol`). */
  readonly packages: readonly Share[];
  readonly modules: readonly Share[];
}

/** The package a bundled file belongs to: `@smithy/core` for `node_modules/@smithy/core/dist-es/…`, `lambda/table` for `lambda/table/token-seal.ts`. */
export function packageOf(file: string): string {
  const inModules = file.lastIndexOf('node_modules/');
  if (inModules >= 0) {
    const parts = file.slice(inModules + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const parts = file.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
}

/** The composition of the entry point's output. */
export function composition(metafile: Metafile): Composition {
  const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint !== undefined);
  if (!output) throw new Error('The metafile names no entry point output.');
  const byPackage = new Map<string, number>();
  const modules: Share[] = [];
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    if (bytesInOutput === 0) continue;
    const name = file.replace(/^.*node_modules\//, '');
    modules.push({ name, bytes: bytesInOutput });
    byPackage.set(packageOf(file), (byPackage.get(packageOf(file)) ?? 0) + bytesInOutput);
  }
  const largestFirst = (a: Share, b: Share) => b.bytes - a.bytes || a.name.localeCompare(b.name);
  return {
    bytes: output.bytes,
    packages: [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort(largestFirst),
    modules: modules.sort(largestFirst),
  };
}

/** The largest `count` packages and modules, as a Markdown table each, with their share of the bundle. */
export function formatComposition(found: Composition, count: number): string {
  const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
  const table = (title: string, shares: readonly Share[]) =>
    [`| ${title} | bytes | share |`, '| --- | --- | --- |', ...shares.slice(0, count).map((s) => `| ${s.name} | ${kB(s.bytes)} | ${((100 * s.bytes) / found.bytes).toFixed(1)} % |`)].join('\n');
  return `${table('largest packages', found.packages)}\n\n${table('largest modules', found.modules)}`;
}
