// The page's wording of the library's messages: command-line options become the form's labels.
import { describe, expect, it } from 'vitest';
import { inFormWords } from '../src/web/wording.js';

describe('inFormWords', () => {
  const labels = { peakControl: 'If it would clip', kernel: 'Kernel width (frames)', kernels: 'Several kernel widths', filters: 'Filters' };

  it("names a setting's control where the library names its option", () => {
    expect(inFormWords('peaks limited by up to 1.3 dB (13.2% of samples; --peak scale lowers the whole clip instead)', labels)).toBe(
      'peaks limited by up to 1.3 dB (13.2% of samples; “If it would clip” scale lowers the whole clip instead)',
    );
    expect(inFormWords('use fewer --filters (now 4096), a smaller --n-fft (now 2048)', labels)).toBe('use fewer “Filters” (now 4096), a smaller --n-fft (now 2048)');
  });

  it('takes whole options only, and options that are not settings from `others`', () => {
    expect(inFormWords('--kernels replaces --kernel', labels)).toBe('“Several kernel widths” replaces “Kernel width (frames)”');
    expect(inFormWords('--duration 0.1: must be at least 0.232 s', labels, { '--duration': 'No content: synthesise' })).toBe(
      '“No content: synthesise” 0.1: must be at least 0.232 s',
    );
  });

  it('leaves options the page has no control for, and text without options, as they are', () => {
    expect(inFormWords('--threads 0 uses every core; a - b -- c', labels)).toBe('--threads 0 uses every core; a - b -- c');
  });
});
