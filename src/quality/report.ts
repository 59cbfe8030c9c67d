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

/**
 * A texture's (no content's) closeness to its style for people: "style distance 0.152 (style's own halves 0.087)". A
 * result at or under the halves' figure is as close to the style as the style is to itself.
 */
export function describeStyleDistance(q: Pick<QualityReport, 'styleDistance' | 'styleHalvesDistance'>): string {
  const halves = Number.isNaN(q.styleHalvesDistance) ? '' : ` (style's own halves ${q.styleHalvesDistance.toFixed(3)})`;
  return `style distance ${q.styleDistance.toFixed(3)}${halves}`;
}

/** A result's rhythm distance for people: "rhythm distance 0.137 (style's own halves 0.067)". */
export function describeRhythmDistance(q: Pick<QualityReport, 'rhythmDistance' | 'styleHalvesRhythmDistance'>): string {
  const halves = Number.isNaN(q.styleHalvesRhythmDistance) ? '' : ` (style's own halves ${q.styleHalvesRhythmDistance.toFixed(3)})`;
  return `rhythm distance ${q.rhythmDistance.toFixed(3)}${halves}`;
}

/**
 * The quality figures of a summary line: "style gain 0.750 (style's own halves 0.694), content corr 0.857", or in
 * texture synthesis (no content, so no gain) the style distance and how closely the texture replays its style:
 * "style distance 0.146 (style's own halves 0.042), replay corr 0.081, rhythm distance 0.137 (style's own halves
 * 0.067)"; with a content, the rhythm gain follows the correlation. `words` spells the correlations out and names
 * the held-out nets, for a page with room for them.
 */
export function describeQuality(q: QualityReport, words: { correlation: string; heldOut: string } = { correlation: 'corr', heldOut: '' }): string {
  // `heldOut` follows the style figure, the one the held-out nets give (the correlations are of spectrograms).
  if (Number.isNaN(q.contentStyleDistance)) {
    const replay = Number.isNaN(q.styleReplayCorrelation) ? '' : `, replay ${words.correlation} ${q.styleReplayCorrelation.toFixed(3)}`;
    const rhythm = Number.isNaN(q.rhythmDistance) ? '' : `, ${describeRhythmDistance(q)}`;
    return describeStyleDistance(q) + words.heldOut + replay + rhythm;
  }
  const rhythm = Number.isNaN(q.rhythmGain) ? '' : `, rhythm gain ${q.rhythmGain.toFixed(3)}`;
  return `style gain ${describeStyleGain(q)}${words.heldOut}, content ${words.correlation} ${q.contentCorrelation.toFixed(3)}${rhythm}`;
}

/** The objective quality measures of ALGORITHM.md for one result. */
export interface QualityReport {
  /** Mean over held-out nets of ||G(result) - G(style)|| / ||G(style)||. */
  styleDistance: number;
  /** The same for the content (how far the content was from the style to begin with); NaN without content. */
  contentStyleDistance: number;
  /**
   * 1 - styleDistance / contentStyleDistance: 0 means nothing moved, 1 means the style's statistics; NaN when the
   * content is already within MIN_CONTENT_STYLE_DISTANCE of the style (e.g. the same clip).
   */
  styleGain: number;
  /** Pearson correlation of the result's and the content's log spectrograms over their common frames; NaN without content. */
  contentCorrelation: number;
  /**
   * The style gain that each half of the style clip itself scores (the mean of the two), measured the same way: how
   * much the style differs from itself, to read styleGain against. A steady texture's halves score near 1, a clip that
   * changes (chords, sections) lower. NaN when the halves are shorter than MIN_HALF_FRAMES or styleGain is NaN.
   */
  styleHalvesGain: number;
  /**
   * The style distance of each half of the style clip from the whole (the mean of the two): styleDistance's figure to
   * read against, also in texture synthesis, where there is no content for a gain. NaN when the halves are shorter
   * than MIN_HALF_FRAMES.
   */
  styleHalvesDistance: number;
  /**
   * The highest content correlation a result can have once every frequency bin has the style's mean and spread over
   * time (styleBandsCorrelationBound), to read contentCorrelation against, as styleHalvesGain is for styleGain. NaN
   * without content.
   */
  styleBandsCorrelationBound: number;
  /**
   * Texture synthesis only: the highest correlation of the result's log spectrogram with the style's played in a loop
   * from any one frame, each frequency bin's mean taken out of both (styleReplay). Near 0: the texture follows none of
   * the style's order; 1: it is the style played again, which the distance would score as perfect. NaN with a content.
   */
  styleReplayCorrelation: number;
  /**
   * How far the result's pulse is from the style's: the root-mean-square difference of their rhythm profiles (each of
   * four wide bands' onset autocorrelation at lags up to 1 s; src/quality/rhythm.ts). The Gram measures above cannot
   * see it: they average over time and span at most 350 ms. NaN for clips under 2 s or when the analysis is not given.
   */
  rhythmDistance: number;
  /** The same for the content (how far its pulse was from the style's to begin with); NaN without content. */
  contentRhythmDistance: number;
  /** 1 - rhythmDistance / contentRhythmDistance: 0 means the content's pulse, 1 the style's; NaN where either is. */
  rhythmGain: number;
  /** The rhythm distance of each half of the style clip from the whole (the mean of the two), to read rhythmDistance against. */
  styleHalvesRhythmDistance: number;
}
