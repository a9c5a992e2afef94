/**
 * The flows' metrics as CloudWatch metrics: Powertools Metrics writes them to stdout in the
 * Embedded Metric Format, which Lambda's log pipeline turns into metrics in namespace "signoff"
 * with the dimension `service` (POWERTOOLS_SERVICE_NAME, e.g. `signoff-sweeper`). Each Lambda
 * entry point publishes what one invocation recorded before it returns.
 */
import { Metrics } from "@aws-lambda-powertools/metrics";
import { type FlowMetrics, FlowMetricUnit } from "@signoff/core";

/** The CloudWatch namespace of every signoff metric. */
export const METRICS_NAMESPACE = "signoff";

export interface MetricsPublisher {
  /** The port the flows call (`FlowDeps.metrics`). */
  record: FlowMetrics;
  /** Writes what was recorded since the last publish, if anything, and starts afresh. */
  publish(): void;
}

/** Records nothing: the local stack, tests and tools that run flows outside Lambda. */
export const NO_METRICS: MetricsPublisher = { record: () => {}, publish: () => {} };

export interface PowertoolsMetricsOptions {
  /** The `service` dimension; defaults to POWERTOOLS_SERVICE_NAME, as Powertools reads it. */
  serviceName?: string;
}

/**
 * Metrics through Powertools. A value with a dimension of its own (`ApprovalsDecided` by
 * `outcome`) is written at once as a single-metric blob, as EMF gives each blob one set of
 * dimensions; the rest wait for `publish`, which writes nothing when nothing was recorded.
 */
export function createPowertoolsMetrics(options: PowertoolsMetricsOptions = {}): MetricsPublisher {
  const metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    ...(options.serviceName && { serviceName: options.serviceName }),
  });
  return {
    record(name, value, dimensions) {
      const unit = FlowMetricUnit[name];
      if (dimensions?.outcome === undefined) {
        metrics.addMetric(name, unit, value);
        return;
      }
      const single = metrics.singleMetric();
      single.addDimension("outcome", dimensions.outcome);
      single.addMetric(name, unit, value);
    },
    publish() {
      // Powertools warns on an empty publish; most API requests record nothing.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}

/** Runs one invocation's work and publishes its metrics however it ends. */
export async function publishingMetrics<T>(
  publisher: Pick<MetricsPublisher, "publish">,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } finally {
    publisher.publish();
  }
}
