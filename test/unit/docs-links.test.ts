import * as fs from 'node:fs';
import * as path from 'node:path';

// The README is the front door and docs/ holds the depth: a link that leads nowhere is a
// newcomer's dead end. Every relative link (and image) in README.md, CHANGELOG.md and docs/*.md
// must name a file that exists and, with a `#fragment`, a heading of that file as GitHub slugs it.
// The Python client's README is checked too.

const ROOT = path.resolve(__dirname, '../..');

/** The Markdown files the checks cover, relative to the repository root. */
function documents(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', 'CHANGELOG.md', 'clients/python/README.md', ...docs.sort()];
}

/** Text outside fenced code blocks and inline code, where a `[x](y)` is a real link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/**
 * The anchor GitHub gives a heading: the rendered text lower-cased, punctuation dropped
 * (letters, digits, `-`, `_` and spaces kept), each space a hyphen; a repeated anchor gets
 * `-1`, `-2`, ... in order.
 */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text
    .replace(/[`*]/g, '') // code spans and emphasis keep their text
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a document's headings define. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const outsideFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const match of outsideFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = githubSlug(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** The targets of a document's links and images that point into the repository. */
function relativeTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const match of prose(markdown).matchAll(/!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = match[1]!;
    // Absolute URLs (https:, mailto:) and protocol-relative ones leave the repository.
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
    targets.push(target);
  }
  return targets;
}

/** What is wrong with one link of `from`, or undefined when it resolves. */
function brokenLink(from: string, markdown: string, target: string): string | undefined {
  const [file, fragment] = target.split('#', 2) as [string, string | undefined];
  const resolved = file === '' ? from : path.posix.normalize(path.posix.join(path.posix.dirname(from), decodeURI(file)));
  if (resolved.startsWith('..')) return `${from}: ${target} leaves the repository`;
  const absolute = path.join(ROOT, resolved);
  if (!fs.existsSync(absolute)) return `${from}: ${target} names ${resolved}, which does not exist`;
  if (fragment === undefined || fragment === '') return undefined;
  if (!resolved.endsWith('.md')) return `${from}: ${target} has an anchor, but ${resolved} is not Markdown`;
  const targetMarkdown = file === '' ? markdown : fs.readFileSync(absolute, 'utf8');
  if (!anchors(targetMarkdown).has(decodeURIComponent(fragment))) {
    return `${from}: ${target} names no heading of ${resolved} (no heading slugs to "${fragment}")`;
  }
  return undefined;
}

function brokenLinks(from: string, markdown: string): string[] {
  return relativeTargets(markdown)
    .map((target) => brokenLink(from, markdown, target))
    .filter((problem): problem is string => problem !== undefined);
}

describe('documentation links', () => {
  it.each(documents())('every relative link in %s resolves', (document) => {
    const markdown = fs.readFileSync(path.join(ROOT, document), 'utf8');

    expect(brokenLinks(document, markdown)).toEqual([]);
  });

  it('slugs headings as GitHub does', () => {
    expect(githubSlug('`npm start`: the service on your machine')).toBe('npm-start-the-service-on-your-machine');
    expect(githubSlug('Operations: logs, metrics, alarms')).toBe('operations-logs-metrics-alarms');
    expect(githubSlug('Clients and the `wll-token` CLI')).toBe('clients-and-the-wll-token-cli');
    expect(githubSlug('Decisions and departures from the contract')).toBe('decisions-and-departures-from-the-contract');
    expect([...anchors('# Errors\n\n```\n# not a heading\n```\n## Errors\n')]).toEqual(['errors', 'errors-1']);
  });

  it('reports a missing file, a missing heading and an anchor on a non-Markdown file, and skips code and URLs', () => {
    const markdown = [
      '# Here',
      '[ok](#here) [ok too](README.md#wll-token-vendor) ![picture](docs/dashboard.svg) [web](https://example.com/x.md)',
      '[gone](docs/no-such-file.md) [lost](#nowhere) [odd](docs/dashboard.svg#x)',
      '`[code](docs/not-checked.md)`',
      '```',
      '[fenced](docs/not-checked-either.md)',
      '```',
    ].join('\n');

    expect(brokenLinks('README.md', markdown)).toEqual([
      'README.md: docs/no-such-file.md names docs/no-such-file.md, which does not exist',
      'README.md: #nowhere names no heading of README.md (no heading slugs to "nowhere")',
      'README.md: docs/dashboard.svg#x has an anchor, but docs/dashboard.svg is not Markdown',
    ]);
  });
});
