/**
 * The OpenMetrics exposition of a prom-client registry, without a second set of metrics.
 *
 * prom-client renames a counter in place when it renders OpenMetrics (`bulwark_orders_total`
 * becomes the family `bulwark_orders`, samples get `_total` back). A counter registered in a
 * text registry and an OpenMetrics one therefore lost its `_total` in the text format after the
 * first OpenMetrics scrape, and readers of the registry (the alert engine) stopped finding it.
 * This view renders the same metrics through light copies that take the rename instead, and
 * follows every metric registered in the source registry, default process metrics included.
 */
import { type Metric, type OpenMetricsContentType, Registry } from 'prom-client';

interface MetricLike {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  get(): Promise<{ name: string } & Record<string, unknown>>;
  getForPromString?(): Promise<{ name: string } & Record<string, unknown>>;
}

/** A copy of a metric's identity that reads its values from the original; prom-client may rename it. */
function view(metric: MetricLike): MetricLike {
  const copy: MetricLike = {
    name: metric.name,
    help: metric.help,
    type: metric.type,
    aggregator: metric.aggregator,
    get: async () => ({ ...(await metric.get()), name: copy.name }),
  };
  const forText = metric.getForPromString?.bind(metric);
  if (forText) copy.getForPromString = async () => ({ ...(await forText()), name: copy.name });
  return copy;
}

/** An OpenMetrics registry over `source`: same families, rendered as OpenMetrics 1.0.0. */
export class OpenMetricsView extends Registry<OpenMetricsContentType> {
  constructor(private readonly source: Registry) {
    super();
    this.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  }

  override getMetricsAsArray(): ReturnType<Registry['getMetricsAsArray']> {
    return this.source.getMetricsAsArray().map((m) => view(m as unknown as MetricLike)) as unknown as ReturnType<Registry['getMetricsAsArray']>;
  }

  override getSingleMetric(name: string): Metric | undefined {
    const found = this.source.getSingleMetric(name);
    return found ? (view(found as unknown as MetricLike) as unknown as Metric) : undefined;
  }

  /** Metrics are registered in the source registry; this view only renders them. */
  override registerMetric(): void {
    throw new Error('OpenMetricsView: register metrics in the source registry');
  }
}
