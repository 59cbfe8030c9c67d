// The CLI's progress display on a pipe: its lines, and its own clock between events.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressDisplay } from '../src/cli/progress.js';
import type { ProgressEvent } from '../src/pipeline/transfer.js';

function display() {
  const lines: string[] = [];
  const stream = { write: (s: string) => lines.push(s.trimEnd()) } as unknown as NodeJS.WriteStream;
  let now = 0;
  const shown = new ProgressDisplay(stream, false, () => now);
  return { shown, lines, advance: (ms: number) => (now += ms) };
}

const optimise = (step: number, elapsedMs: number, remainingMs?: number): ProgressEvent => ({
  stage: 'optimise',
  step,
  total: 15,
  iteration: step,
  loss: 1000,
  elapsedMs,
  remainingMs,
});

/** The display on a terminal of this many columns (cli-progress draws its bar there), with what it writes. */
function terminalDisplay(columns: number) {
  const written: string[] = [];
  const stream = { write: (s: string) => void written.push(s), isTTY: true, columns, cursorTo: () => true, clearLine: () => true, moveCursor: () => true } as unknown as NodeJS.WriteStream;
  return { terminal: new ProgressDisplay(stream, true, () => 0), written };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ProgressDisplay on a pipe', () => {
  it('shows decoding and analysing by their elapsed time once they last 5 s, so a bad input\'s error stays one line', () => {
    vi.useFakeTimers();
    const { shown, lines, advance } = display();
    shown.update({ stage: 'decode', step: 0, total: 1, elapsedMs: 0 });
    shown.update({ stage: 'analyse', step: 0, total: 1, elapsedMs: 100 });
    advance(6000); // a long style: no event for 6 s
    shown.tick();
    expect(lines).toEqual(['analyse  elapsed 6.1s']);
    shown.stop();
  });

  it('shows a long style\'s pass in the analyse stage with its share done and the ETA the pipeline gives', () => {
    vi.useFakeTimers();
    const { shown, lines, advance } = display();
    shown.update({ stage: 'analyse', step: 0, total: 1, elapsedMs: 100 });
    advance(5500);
    shown.update({ stage: 'analyse', step: 40, total: 100, elapsedMs: 5600, activity: 'style statistics 40%', remainingMs: 6000 });
    expect(lines).toEqual(['analyse  style statistics 40% elapsed 5.6s ETA 6.0s']);
    shown.stop();
  });

  it('shows the quality measures after the run the same way: a long clip\'s take seconds with no other event', () => {
    vi.useFakeTimers();
    const { shown, lines, advance } = display();
    shown.update({ stage: 'phase', step: 8, total: 8, elapsedMs: 60_000 });
    lines.length = 0;
    shown.update({ stage: 'assess', step: 0, total: 1, elapsedMs: 60_100 });
    advance(6000);
    shown.tick();
    expect(lines).toEqual(['quality  elapsed 1m06s']);
    shown.stop();
  });


  it('writes a line when a stage starts, then at most every 5 s, with the ETA the pipeline gives', () => {
    const { shown, lines, advance } = display();
    shown.update(optimise(0, 1000));
    advance(2000);
    shown.update(optimise(1, 3000, 28_000));
    advance(4000);
    shown.update(optimise(2, 7000, 24_000)); // 6 s after the first line
    expect(lines).toEqual(['optimise 0/15 it 0 loss 1.000e+3 elapsed 1.0s ETA --', 'optimise 2/15 it 2 loss 1.000e+3 elapsed 7.0s ETA 24.0s']);
    shown.stop();
  });

  it('ends a stepped stage on the line of its last event: the iteration and loss the run ended with', () => {
    const { shown, lines } = display();
    shown.update(optimise(0, 0));
    // The last evaluation reaches the total before its iteration is accepted; the stage's end comes after both.
    shown.update({ ...optimise(15, 9000), iteration: 11, loss: 2316, round: 3 });
    shown.update({ ...optimise(15, 9100), iteration: 12, loss: 2157, round: 3 });
    expect(lines).toHaveLength(1);
    shown.update({ ...optimise(15, 9200, 0), iteration: 12, loss: 2157, round: 3 });
    shown.update({ stage: 'phase', step: 0, total: 8, elapsedMs: 9300 });
    shown.update({ stage: 'phase', step: 8, total: 8, elapsedMs: 9900 });
    shown.stop(); // the run's last stage ends with it
    expect(lines.slice(1)).toEqual([
      'optimise 15/15 round 3 it 12 loss 2.157e+3 elapsed 9.2s ETA 0.0s',
      'phase    0/8 elapsed 9.3s ETA --',
      'phase    8/8 elapsed 9.9s ETA 0.0s',
    ]);
  });

  it('counts elapsed up and the ETA down between events, not below zero, and stops its clock with the run', () => {
    vi.useFakeTimers();
    const { shown, lines, advance } = display();
    shown.update(optimise(0, 0));
    shown.update(optimise(1, 2000, 30_000));
    expect(vi.getTimerCount()).toBe(1);
    // A minute of side work without an event: lines still come, with the clock moved on.
    advance(10_000);
    shown.tick();
    advance(30_000);
    shown.tick();
    expect(lines.slice(1)).toEqual(['optimise 1/15 it 1 loss 1.000e+3 elapsed 12.0s ETA 20.0s', 'optimise 1/15 it 1 loss 1.000e+3 elapsed 42.0s ETA 0.0s']);
    shown.stop();
    expect(vi.getTimerCount()).toBe(0);
    shown.tick(); // after stop: nothing
    expect(lines).toHaveLength(3);
  });

  it('says what the stage is doing between evaluations in place of the loss, until the next evaluation', () => {
    const { shown, lines, advance } = display();
    shown.update(optimise(0, 0));
    shown.update(optimise(5, 6000, 20_000));
    shown.update({ stage: 'optimise', step: 5, total: 15, elapsedMs: 6500, remainingMs: 19_000, activity: 'round 2: style statistics' });
    advance(6000);
    shown.tick();
    shown.update({ ...optimise(6, 20_000, 8000), round: 2, loss: 1500 }); // a new round's loss, named as such
    expect(lines.slice(1)).toEqual(['optimise 5/15 it 5 loss 1.000e+3 elapsed 6.0s ETA 20.0s', 'optimise 5/15 round 2: style statistics elapsed 12.5s ETA 13.0s', 'optimise 6/15 round 2 it 6 loss 1.500e+3 elapsed 20.0s ETA 8.0s']);
    shown.stop();
  });
});

describe('ProgressDisplay warnings', () => {
  it('writes a warning on a line of its own: above a terminal\'s bar (clearing the bar\'s line first), or as a line on a pipe', () => {
    const { terminal, written } = terminalDisplay(120);
    terminal.update({ stage: 'analyse', step: 0, total: 1, elapsedMs: 0 });
    written.length = 0;
    terminal.warn('restyle: warning: near the limit');
    expect(written).toEqual(['\r\x1b[Krestyle: warning: near the limit\n']);
    terminal.stop();
    const { shown, lines } = display();
    shown.warn('restyle: warning: near the limit');
    expect(lines).toEqual(['restyle: warning: near the limit']);
  });
});

describe('ProgressDisplay on a terminal', () => {
  it("draws the bar with one space between its parts, with or without a loss to show", () => {
    const { terminal, written } = terminalDisplay(160);
    terminal.update({ stage: 'optimise', step: 0, total: 15, elapsedMs: 400 });
    terminal.update({ ...optimise(15, 2000, 0), iteration: 12, loss: 21570, round: 3 });
    terminal.stop();
    const text = written.join('');
    expect(text).toContain('0/15 evals elapsed 0.4s');
    expect(text).toContain('15/15 evals round 3 it 12 loss 2.157e+4 elapsed 2.0s');
    expect(text).not.toMatch(/evals {2}/);
  });
});
