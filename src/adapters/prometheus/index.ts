/** @module The Prometheus adapter's public face: the Metrics port on the Prometheus HTTP API, its
 * client, and the PromQL template renderer.
 */
export { PrometheusMetrics, type PrometheusMetricsOptions } from './metrics.ts';
export { PrometheusClient, formatLabels, redactUrl, type InstantResult, type RangeSeries, type InstantSeries } from './client.ts';
export { renderTemplate, promDuration, escapeString, escapeRegex, TEMPLATE_VARIABLES, type TemplateValues } from './template.ts';
