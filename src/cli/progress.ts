import cliProgress from 'cli-progress';
import type { ProgressEvent, Stage } from '../pipeline/transfer.js';
import { clockSince, formatSeconds, progressEta } from '../pipeline/eta.js';

const LABELS: Record<Stage, string> = { decode: 'decode  ', analyse: 'analyse ', optimise: 'optimise', phase: 'phase   ', assess: 'quality ' };

/** How often the display moves its clock on between events, in ms. */
const TICK_MS = 1000;
/** How often a plain line is written when stderr is not a terminal, in ms. */
const LINE_MS = 5000;

/** Stages with steps worth a bar; decoding, analysing and measuring quality show only their elapsed time. */
const STEPPED: ReadonlySet<Stage> = new Set(['optimise', 'phase']);

/**
 * Shows a run's progress on stderr: a bar with step, loss, elapsed and ETA on a terminal (decoding and analysing, which
 * a long style can stretch to half a minute, and the quality measures after the run show their elapsed time); on a
 * pipe or log file (where cli-progress prints nothing) plain lines: when a stepped stage starts and ends, and every few
 * seconds. Between events the
 * elapsed time counts up and the ETA down on a clock of its own: on a long clip the work between two evaluations (a
 * new round's pass over the style, Griffin-Lim) can take a minute, and a frozen clock looks like a hang.
 */
export class ProgressDisplay {
  private bar: cliProgress.SingleBar | null = null;
  private stage: Stage | null = null;
  private stageStart = 0;
  private lastLine = 0;
  private readonly doneStages = new Set<Stage>();
  /** On a pipe, a stepped stage's last line, written when the stage ends: events keep coming once it reaches its total. */
  private pendingDone: { event: ProgressEvent; eta: number } | null = null;
  /** The last event, when it came (on `clock`), and the ETA it gave in seconds. */
  private last: { event: ProgressEvent; at: number; eta: number } | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly interactive = Boolean(process.stderr.isTTY),
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Takes one progress event. */
  update(e: ProgressEvent): void {
    const stageChanged = e.stage !== this.stage;
    if (stageChanged) {
      this.writePendingDone();
      this.finishStage();
      this.stage = e.stage;
      this.stageStart = e.elapsedMs;
      if (this.interactive) {
        const format = STEPPED.has(e.stage)
          ? `${LABELS[e.stage]} {bar} {value}/{total}${e.stage === 'optimise' ? ' evals' : ''}{lossAfterSpace} elapsed {elapsed} ETA {eta_s}`
          : `${LABELS[e.stage]} {note}elapsed {elapsed}{eta}`;
        this.bar = new cliProgress.SingleBar(
          {
            format,
            stream: this.stream,
            hideCursor: true,
            barsize: 24,
            // Decoding's and analysing's clock goes when they end (also when an input error ends them).
            clearOnComplete: !STEPPED.has(e.stage),
          },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(e.total, e.step, this.payload(e, progressEta(this.stageStart, e)));
      }
    }
    this.last = { event: e, at: this.clock(), eta: progressEta(this.stageStart, e) };
    this.show(e, this.last.eta, stageChanged);
    if (!this.ticker) {
      this.ticker = setInterval(() => this.tick(), TICK_MS);
      this.ticker.unref?.(); // never keeps the process alive on its own
    }
  }

  /** Moves the shown clock on by the time since the last event: elapsed up, ETA down (not below zero). */
  tick(): void {
    if (!this.last) return;
    const { event, at, eta } = this.last;
    const moved = clockSince(event.elapsedMs, eta, this.clock() - at);
    this.show({ ...event, elapsedMs: moved.elapsedMs }, moved.etaSeconds, false);
  }

  /** Writes a line (a warning) above the bar, which is drawn again below it at the next update. */
  warn(line: string): void {
    this.stream.write(this.interactive && this.bar ? `\r\x1b[K${line}\n` : `${line}\n`);
  }

  /** Closes the bar and stops the clock (call when the run ends, also on failure). */
  stop(): void {
    this.writePendingDone();
    this.finishStage();
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.last = null;
  }

  private show(e: ProgressEvent, eta: number, stageChanged: boolean): void {
    if (this.bar) {
      this.bar.update(e.step, this.payload(e, eta));
    } else if (!this.interactive) {
      // A line when a stepped stage starts, when it ends, and every 5 s between. Decoding and analysing get a line only
      // once they have lasted 5 s: a bad input's error stays the only line. A stage that has reached its total still
      // has events (the last evaluation's iteration accepted, the stage's end): its last line waits for the last of
      // them, so that it gives the iteration and loss the run ended with.
      const stepped = STEPPED.has(e.stage);
      if (stepped && e.step === e.total && !stageChanged) {
        if (!this.doneStages.has(e.stage)) this.pendingDone = { event: e, eta };
        return;
      }
      if (stageChanged && !stepped) this.lastLine = e.elapsedMs;
      else if ((stageChanged && stepped) || e.elapsedMs - this.lastLine > LINE_MS) this.writeLine(e, eta);
    }
  }

  /** Writes a plain line for this event (on a pipe). */
  private writeLine(e: ProgressEvent, eta: number): void {
    this.lastLine = e.elapsedMs;
    const p = this.payload(e, eta);
    this.stream.write(
      STEPPED.has(e.stage)
        ? `${[LABELS[e.stage], `${e.step}/${e.total}`, p.loss].filter(Boolean).join(' ')} elapsed ${p.elapsed} ETA ${p.eta_s}\n`
        : `${LABELS[e.stage]} ${p.note}elapsed ${p.elapsed}${p.eta}\n`,
    );
  }

  /** Writes the line a stepped stage ended on, once (on a pipe). */
  private writePendingDone(): void {
    if (!this.pendingDone) return;
    const { event, eta } = this.pendingDone;
    this.pendingDone = null;
    this.doneStages.add(event.stage);
    this.writeLine(event, eta);
  }

  private finishStage(): void {
    this.bar?.stop();
    this.bar = null;
  }

  /**
   * Where a stepped stage is: between evaluations, what it is doing instead (a new round's style statistics,
   * Griffin-Lim); else the round, where known (each round's loss is a new net's, and may start above where the last one
   * ended), the iteration and the loss.
   */
  private lossText(e: ProgressEvent): string {
    if (e.activity !== undefined) return e.activity;
    return [
      e.round !== undefined ? `round ${e.round}` : '',
      e.iteration !== undefined ? `it ${e.iteration}` : '',
      e.loss !== undefined ? `loss ${e.loss.toExponential(3)}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  }

  private payload(e: ProgressEvent, eta: number): { loss: string; lossAfterSpace: string; elapsed: string; eta_s: string; note: string; eta: string } {
    const loss = this.lossText(e);
    return {
      loss,
      // In the bar's format: a space before it only when there is something to show.
      lossAfterSpace: loss ? ` ${loss}` : '',
      elapsed: formatSeconds(e.elapsedMs / 1000),
      eta_s: formatSeconds(eta),
      // Stages without a bar: what they are doing and their ETA, when the pipeline says (a long style's pass).
      note: e.activity !== undefined ? `${e.activity} ` : '',
      eta: e.remainingMs !== undefined && Number.isFinite(eta) ? ` ETA ${formatSeconds(eta)}` : '',
    };
  }
}
