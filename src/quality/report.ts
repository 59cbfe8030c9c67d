/**
 * What the quality measures report, and how it is worded for people. Kept apart from the measures (measures.ts),
 * which need the ONNX model: the web page shows a report without loading the model's code.
 */

/** The style gain for people: three decimals, or why there is none. */
export function formatStyleGain(gain: number): string {
  return Number.isNaN(gain) ? 'n/a (the content already has the style)' : gain.toFixed(3);
}

/** The style gain with the style's own halves' gain beside it, when defined: "0.742 (style's own halves 0.694)". */
export function describeStyleGain(q: Pick<QualityReport, 'styleGain' | 'styleHalvesGain'>): string {
  const halves = Number.isNaN(q.styleHalvesGain) ? '' : ` (style's own halves ${q.styleHalvesGain.toFixed(3)})`;
  return formatStyleGain(q.styleGain) + halves;
}

/** The objective quality measures of ALGORITHM.md for one result. */
export interface QualityReport {
  /** Mean over held-out nets of ||G(result) - G(style)|| / ||G(style)||. */
  styleDistance: number;
  /** The same for the content (how far the content was from the style to begin with). */
  contentStyleDistance: number;
  /**
   * 1 - styleDistance / contentStyleDistance: 0 means nothing moved, 1 means the style's statistics; NaN when the
   * content is already within MIN_CONTENT_STYLE_DISTANCE of the style (e.g. the same clip).
   */
  styleGain: number;
  /** Pearson correlation of the result's and the content's log spectrograms over their common frames. */
  contentCorrelation: number;
  /**
   * The style gain that each half of the style clip itself scores (the mean of the two), measured the same way: how
   * much the style differs from itself, to read styleGain against. A steady texture's halves score near 1, a clip that
   * changes (chords, sections) lower. NaN when the halves are shorter than MIN_HALF_FRAMES or styleGain is NaN.
   */
  styleHalvesGain: number;
  /**
   * The highest content correlation a result can have once every frequency bin has the style's mean and spread over
   * time (styleBandsCorrelationBound), to read contentCorrelation against, as styleHalvesGain is for styleGain.
   */
  styleBandsCorrelationBound: number;
}
