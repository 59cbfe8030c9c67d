/** Seconds of style that a later round's net reads at least, however short the content. */
export const LATER_ROUND_STYLE_SECONDS = 60;
/** Seconds per excerpt of a long style: long enough that the frames lost at excerpt edges (kernel - 1) are few. */
export const STYLE_EXCERPT_SECONDS = 10;

/** A run of frames of a spectrogram. */
export interface FrameSpan {
  start: number;
  frames: number;
}

/**
 * Which frames of the style a later round's new net reads, or null for all of them. Round 0's net reads the whole
 * style. A new net must take the style's statistics afresh, and on a long style against a short content that pass
 * costs more than the round it serves (a 180 s style: 4-5 s a pass against 0.4 s an evaluation of 10 s of content).
 * So a later round reads at most `capFrames` (the caller's choice: at least a minute, and at least twice the
 * content), as `excerptFrames`-long excerpts spread evenly over the whole style, so that every part of a song
 * contributes; each round's excerpts start at another offset (`round` of `rounds`), so the rounds together read more
 * of it. The Gram over the excerpts' frames is an estimate of the whole style's.
 */
export function styleExcerpts(styleFrames: number, capFrames: number, excerptFrames: number, round: number, rounds: number): FrameSpan[] | null {
  if (round === 0) return null;
  const length = Math.min(excerptFrames, capFrames);
  const count = Math.ceil(capFrames / length);
  if (count * length >= styleFrames) return null;
  const phase = (round % rounds) / rounds;
  const spacing = (styleFrames - length) / count;
  return Array.from({ length: count }, (_, i) => ({ start: Math.floor((i + phase) * spacing), frames: length }));
}
