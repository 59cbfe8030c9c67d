import cliProgress from 'cli-progress';
import type { ProgressEvent, Stage } from '../pipeline/transfer.js';
import { formatSeconds, progressEta } from '../pipeline/eta.js';

const LABELS: Record<Stage, string> = { decode: 'decode  ', analyse: 'analyse ', optimise: 'optimise', phase: 'phase   ' };

/**
 * Shows a run's progress on stderr: a bar with step, loss, elapsed and ETA on a terminal; on a pipe or log file
 * (where cli-progress prints nothing) a plain line every few seconds and at the end of each stage.
 */
export class ProgressDisplay {
  private bar: cliProgress.SingleBar | null = null;
  private stage: Stage | null = null;
  private stageStart = 0;
  private lastLine = 0;
  private readonly doneStages = new Set<Stage>();

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly interactive = Boolean(process.stderr.isTTY),
  ) {}

  /** Takes one progress event. */
  update(e: ProgressEvent): void {
    const stageChanged = e.stage !== this.stage;
    if (stageChanged) {
      this.finishStage();
      this.stage = e.stage;
      this.stageStart = e.elapsedMs;
      if (this.interactive && (e.stage === 'optimise' || e.stage === 'phase')) {
        this.bar = new cliProgress.SingleBar(
          {
            format: `${LABELS[e.stage]} {bar} {value}/{total}${e.stage === 'optimise' ? ' evals' : ''} {loss} elapsed {elapsed} ETA {eta_s}`,
            stream: this.stream,
            hideCursor: true,
            barsize: 24,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(e.total, e.step, this.payload(e));
      }
    }
    if (this.bar) {
      this.bar.update(e.step, this.payload(e));
    } else if (!this.interactive && (e.stage === 'optimise' || e.stage === 'phase')) {
      // A line when a stage starts, when it first reaches its total, and every 5 s between.
      const done = e.step === e.total && !this.doneStages.has(e.stage);
      if (done) this.doneStages.add(e.stage);
      if (stageChanged || done || e.elapsedMs - this.lastLine > 5000) {
        this.lastLine = e.elapsedMs;
        const p = this.payload(e);
        this.stream.write(`${LABELS[e.stage]} ${e.step}/${e.total} ${p.loss} elapsed ${p.elapsed} ETA ${p.eta_s}\n`);
      }
    }
  }

  /** Closes the bar (call when the run ends, also on failure). */
  stop(): void {
    this.finishStage();
  }

  private finishStage(): void {
    this.bar?.stop();
    this.bar = null;
  }

  private payload(e: ProgressEvent): { loss: string; elapsed: string; eta_s: string } {
    return {
      loss: (e.iteration !== undefined ? `it ${e.iteration} ` : '') + (e.loss !== undefined ? `loss ${e.loss.toExponential(3)}` : ''),
      elapsed: formatSeconds(e.elapsedMs / 1000),
      eta_s: formatSeconds(progressEta(this.stageStart, e)),
    };
  }
}
