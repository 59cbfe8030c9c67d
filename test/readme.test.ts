import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_SETTINGS, OPTION_NAMES, displayDefault } from '../src/pipeline/settings.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('starts with the set-up commands, and .ci/run runs the README test command', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
    const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
    expect(ci).toMatch(/^npm ci$/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  it('links only to headings and files that exist, in itself and in docs/ (GitHub slugs)', () => {
    const docsDir = new URL('../docs/', import.meta.url);
    const pages = new Map<string, string>([['README.md', readme]]);
    for (const name of readdirSync(docsDir).filter((n) => n.endsWith('.md'))) pages.set(`docs/${name}`, readFileSync(new URL(name, docsDir), 'utf8'));
    expect(pages.size).toBeGreaterThan(4);
    const slug = (heading: string): string => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const headingsOf = (text: string): Set<string> => {
      let fenced = false;
      const found = new Set<string>();
      for (const line of text.split('\n')) {
        if (line.startsWith('```')) fenced = !fenced;
        else if (!fenced && /^#{1,6} /.test(line)) found.add(slug(line.replace(/^#+ /, '')));
      }
      return found;
    };
    const headings = new Map([...pages].map(([name, text]) => [name, headingsOf(text)]));
    const broken: string[] = [];
    let links = 0;
    for (const [name, text] of pages) {
      for (const [, target, anchor] of text.matchAll(/\]\(([^)#\s]*)(?:#([^)\s]+))?\)/g)) {
        if (target && !/\.md$/.test(target)) {
          if (!/^https?:/.test(target) && !existsSync(new URL(join('..', dirname(name), target), import.meta.url))) broken.push(`${name}: ${target}`);
          continue;
        }
        links++;
        const page = target ? join(dirname(name), target) : name;
        if (!headings.has(page)) broken.push(`${name}: ${target} (no such page)`);
        else if (anchor && !headings.get(page)!.has(anchor)) broken.push(`${name}: ${target}#${anchor}`);
      }
    }
    expect(links).toBeGreaterThan(40);
    expect(broken).toEqual([]);
    expect(headings.get('README.md')!.has('on-a-gpu---device-webgpu')).toBe(true);
  });

  it('lists every bench script in docs/benchmarks.md', () => {
    const index = readFileSync(new URL('../docs/benchmarks.md', import.meta.url), 'utf8');
    const scripts = readdirSync(new URL('../bench/', import.meta.url)).filter((n) => /\.(ts|sh)$/.test(n) && n !== 'transfer-args.ts');
    expect(scripts.length).toBeGreaterThan(20);
    expect(scripts.filter((n) => !index.includes(`\`bench/${n}\``))).toEqual([]);
  });

  it('documents every setting with its current default', () => {
    for (const [key, flag] of Object.entries(OPTION_NAMES)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${flag}\``));
      expect(row, `README options table lacks ${flag}`).toBeDefined();
      expect(row!.split('|')[2].trim()).toBe(displayDefault(key as keyof typeof DEFAULT_SETTINGS));
    }
  });
});
