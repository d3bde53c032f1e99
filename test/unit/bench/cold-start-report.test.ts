import { composition, packageOf, type Metafile } from '../../../bench/bundle-composition';
import type { ColdStartSample } from '../../../bench/cold-start';
import { excessLine, formatColdStartTable, pairedExcess, summarize } from '../../../bench/cold-start-report';
import { roundOrders } from '../../../bench/round-order';

function sample(initMs: number, firstMs = 2): ColdStartSample {
  return { initMs, firstMs, initCpuMs: initMs / 2, firstCpuMs: firstMs / 2, initWaitMs: 0 };
}

describe('cold-start arithmetic', () => {
  it('takes the excess as the median of per-round differences, so that a slow round weighs on both sides', () => {
    // Round 3 ran while the machine was busy: both candidates took 100 ms longer.
    const empty = [50, 52, 150, 51, 49];
    const fn = [110, 111, 210, 112, 109];

    expect(pairedExcess(fn, empty)).toBe(60);
  });

  it('refuses samples that were not taken in the same rounds', () => {
    expect(() => pairedExcess([1, 2, 3], [1, 2])).toThrow(/differ in number/);
  });

  it('summarizes every candidate against the baseline: medians, 90th percentiles, excess', () => {
    const samples = new Map([
      ['empty', [50, 52, 150, 51, 49].map((ms) => sample(ms))],
      ['function', [110, 111, 210, 112, 109].map((ms) => sample(ms, 30))],
    ]);

    const [empty, fn] = summarize(samples, 'empty');

    expect(empty).toMatchObject({ name: 'empty', excess: { initMs: 0 } });
    expect(fn).toMatchObject({ name: 'function', median: { initMs: 111, firstMs: 30 }, p90: { initMs: 210 }, excess: { initMs: 60, firstMs: 28, initCpuMs: 30 } });
  });

  it('prints one row per candidate, the baseline without an excess, and the excess in one line', () => {
    const summaries = summarize(
      new Map([
        ['empty', [sample(50), sample(52)]],
        ['function', [sample(110, 30), sample(112, 30)]],
      ]),
      'empty',
    );

    const table = formatColdStartTable(summaries, new Map([['function', 306_382]]), 'empty');

    expect(table.split('\n')).toHaveLength(4);
    expect(table).toContain('| empty | - | 50 / 52 ms | - |');
    expect(table).toContain('| function | 306 kB | 110 / 112 ms | +60 ms | 30 / 30 ms | +28 ms |');
    expect(excessLine(summaries[1]!, 'empty')).toBe('function: init +60 ms over empty (CPU +30 ms), first invocation 30 ms (+28 ms over empty); medians of empty-paired rounds');
  });
});

describe('round order', () => {
  it('runs every candidate once per round, in an order that changes, the same for the same seed', () => {
    const rounds = (seed: number) => {
      const next = roundOrders(5, seed);
      return Array.from({ length: 40 }, next);
    };

    const orders = rounds(27);

    for (const order of orders) expect([...order].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(orders.map((order) => order.join())).size).toBeGreaterThan(20);
    expect(rounds(27)).toEqual(orders);
    expect(rounds(28)).not.toEqual(orders);
  });

  it('gives no candidate a fixed place or a fixed neighbour', () => {
    const next = roundOrders(5);
    const firsts = new Set<number>();
    const before1 = new Set<number>();
    for (let round = 0; round < 40; round += 1) {
      const order = next();
      firsts.add(order[0]!);
      const at = order.indexOf(1);
      if (at > 0) before1.add(order[at - 1]!);
    }

    expect(firsts.size).toBe(5);
    expect(before1.size).toBe(4);
  });
});

describe('bundle composition', () => {
  it('names the package of a bundled file, and this project folder for its own code', () => {
    expect(packageOf('node_modules/@smithy/core/dist-es/submodules/protocols/HttpProtocol.js')).toBe('@smithy/core');
    expect(packageOf('node_modules/@aws-sdk/client-dynamodb/node_modules/@smithy/core/dist-es/index.js')).toBe('@smithy/core');
    expect(packageOf('node_modules/mnemonist/lru-cache.js')).toBe('mnemonist');
    expect(packageOf('lambda/table/token-seal.ts')).toBe('lambda/table');
    expect(packageOf('lambda/handler.ts')).toBe('lambda/handler.ts');
  });

  it("sums each package's bytes in the output, largest first, and leaves out what tree shaking removed", () => {
    const metafile: Metafile = {
      outputs: {
        'out/index.js.map': { bytes: 10, inputs: {} },
        'out/index.js': {
          bytes: 1000,
          entryPoint: 'lambda/handler.ts',
          inputs: {
            'node_modules/@smithy/core/dist-es/a.js': { bytesInOutput: 300 },
            'node_modules/@smithy/core/dist-es/b.js': { bytesInOutput: 200 },
            'node_modules/bowser/es5.js': { bytesInOutput: 0 },
            'lambda/handler.ts': { bytesInOutput: 100 },
            'lambda/table/token-seal.ts': { bytesInOutput: 400 },
          },
        },
      },
    };

    const found = composition(metafile);

    expect(found.bytes).toBe(1000);
    expect(found.packages).toEqual([
      { name: '@smithy/core', bytes: 500 },
      { name: 'lambda/table', bytes: 400 },
      { name: 'lambda/handler.ts', bytes: 100 },
    ]);
    expect(found.modules.map((m) => m.name)).toEqual(['lambda/table/token-seal.ts', '@smithy/core/dist-es/a.js', '@smithy/core/dist-es/b.js', 'lambda/handler.ts']);
  });
});
