/**
 * Views: charts (vega-lite, drawn headless to SVG and PNG), tables and highlighted answers for the
 * Deno Jupyter notebook and the terminal. Every view shows itself as rich output in Jupyter
 * (`Symbol.for("Jupyter.display")`) and as text with `console.log` / `String()`.
 */
export { type JupyterApi, jupyterApi, type MediaBundle, VEGALITE_MIME } from "./bundle.ts";
export { type ChartSpec, compileSpec, renderSvg, VEGALITE_SCHEMA } from "./vega.ts";
export { type PngOptions, renderPng, svgToPng } from "./png.ts";
export { type FontChoice, fontDirs, sansFont } from "./fonts.ts";
export { type ChartFormat, chartFormat, saveChart } from "./save.ts";
export { ChartView } from "./chart.ts";
export { type LossRecord, readTrainLog } from "./train_log.ts";
export { lossChart, type LossChartOptions } from "./loss_chart.ts";
export { type LiveLossChart, liveLossChart, type LiveLossChartOptions } from "./live.ts";
export { logitChart, type LogitChartOptions } from "./logit_chart.ts";
export {
  EXAMPLE_COLUMNS,
  ExamplesView,
  formatAnswers,
  showRandomElements,
  toDataFrame,
} from "./display.ts";
export {
  escapeHtml,
  renderHtmlTable,
  renderTextTable,
  type Row,
  type TextTableOptions,
} from "./render_table.ts";
export { formatNumber, TableView } from "./table.ts";
export { NBEST_COLUMNS, type NbestCandidate, nbestTable } from "./nbest_table.ts";
export {
  highlightAnswer,
  type HighlightOptions,
  HighlightView,
  type MarkedSpan,
  type PipelineAnswer,
  type PredictedSpan,
  utf16Offset,
} from "./highlight.ts";
export { BREAKDOWN_COLUMNS, BreakdownView, metricBreakdown } from "./breakdown_view.ts";
export { sparkline } from "./sparkline.ts";
export { type Progress, progressBar, progressText } from "./progress.ts";
export { tokenTable, type Window, windowOverlap, windowsOf, WindowsView } from "./tokens.ts";
