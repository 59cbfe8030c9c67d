/**
 * The core library, independent of where it runs: audio I/O, DSP, the ONNX model builder, the optimisers and the
 * transfer pipeline. Node users import the package root (src/node/index.ts), which binds onnxruntime-node.
 */
export { decodeAudio, toMono, type AudioClip } from './audio/decode.js';
export { resample } from './audio/resample.js';
export { encodeWav, peak, type WavFormat } from './audio/wav.js';
export { encodeFlacWith, whenFlacReady, toInt16, type LibFlac } from './audio/flac.js';
export { StftPlan, frameCount, type Spectrogram } from './dsp/stft.js';
export { logMagnitude, magnitude, magnitudeFromLog, spectralConvergenceDb } from './dsp/spectrogram.js';
export { fastGriffinLim, type GriffinLimOptions } from './dsp/griffin-lim.js';
export { Random } from './dsp/random.js';
export { UsageError, InputError, CancelledError, ResourceError, type PartialResult } from './errors.js';
export { estimateMemory, estimateMemoryBytes, formatBytes, WASM_HEAP_LIMIT_BYTES, type EstimateOptions, type MemoryEstimate } from './pipeline/memory.js';
export type { Runtime, OrtApi } from './model/runtime.js';
export type { NormalsDrawer, NormalsRunner, WeightsStore } from './model/weights.js';
export { MemoryWeightsStore, WEIGHTS_IDLE_MS } from './model/weights-memory.js';
export { prepareNets, type PreparedNets } from './pipeline/prepare.js';
export { StyleNet, type LogSpectrogram, type StyleTarget } from './model/style-net.js';
export { StyleObjective, type ObjectiveValue } from './model/objectives.js';
export { lbfgs, type LbfgsOptions } from './optim/lbfgs.js';
export { adam, type AdamOptions } from './optim/adam.js';
export type { Objective, MinimizeResult, IterationReport } from './optim/types.js';
export { drawReport, colormap, type RgbaImage, type PlotInput } from './report/plot.js';
export { styleReplay, type StyleReplay } from './quality/replay.js';
export { measureRhythm, rhythmProfile, rhythmDistance, type RhythmLayout } from './quality/rhythm.js';
export { measureQuality, contentCorrelation, styleBandsCorrelationBound, formatStyleGain, describeStyleGain, describeStyleDistance, describeQuality, HELD_OUT_NETS, type HeldOutNet, type QualityReport } from './quality/measures.js';
export {
  DEFAULT_SETTINGS,
  stftDefaults,
  TEXTURE_DEFAULTS,
  defaultSettings,
  SETTING_RANGES,
  SETTING_HELP,
  OPTION_NAMES,
  resolveSettings,
  describeRange,
  contentTermWeight,
  CONTENT_WEIGHT_REFERENCE_FRAMES,
  type TransferSettings,
  type SettingsMode,
} from './pipeline/settings.js';
export {
  transfer,
  toLogSpectrogram,
  type TransferRequest,
  type TransferResult,
  type InputDescription,
  type TransferHooks,
  type ProgressEvent,
  type AudioSource,
  type Stage,
  type StageTimings,
} from './pipeline/transfer.js';
export { assessResult, reportPlotInput, runReport, type Assessment, type RunReport } from './pipeline/assess.js';
export { CLIP_PEAK, controlPeaks, describePeaks, type PeakReport } from './pipeline/peaks.js';
export { formatSeconds, stageEta } from './pipeline/eta.js';
