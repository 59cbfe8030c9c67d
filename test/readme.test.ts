import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
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

  it('links within itself only to headings it has (GitHub slugs)', () => {
    const slug = (heading: string): string => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const headings = new Set(readme.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));
    const anchors = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(anchors.length).toBeGreaterThan(10);
    expect(anchors.filter((a) => !headings.has(a))).toEqual([]);
    expect(headings.has('on-a-gpu---device-webgpu')).toBe(true);
  });

  it('documents every setting with its current default', () => {
    for (const [key, flag] of Object.entries(OPTION_NAMES)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${flag}\``));
      expect(row, `README options table lacks ${flag}`).toBeDefined();
      expect(row!.split('|')[2].trim()).toBe(displayDefault(key as keyof typeof DEFAULT_SETTINGS));
    }
  });
});
