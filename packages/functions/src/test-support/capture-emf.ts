/**
 * What Powertools Metrics writes: it prints each Embedded Metric Format blob as one JSON line on
 * stdout through a Console of its own. This captures those lines from `process.stdout` while a
 * test runs (everything else passes through) and reads them back as CloudWatch would.
 */

/** One EMF blob: its `_aws` metadata, then dimension and metric values by name. */
export interface EmfBlob {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** One metric value as CloudWatch would file it. */
export interface EmfValue {
  namespace: string;
  unit: string;
  /** The dimensions of the blob's first (only) dimension set, by name. */
  dimensions: Record<string, unknown>;
  /** A metric recorded more than once in a blob is an array of values. */
  value: number | number[];
}

export interface EmfCapture {
  /** Every blob written since the capture started. */
  blobs(): EmfBlob[];
  /** Every value of `metric` written since the capture started. */
  values(metric: string): EmfValue[];
  /** Every other line written to stdout or stderr (where Powertools prints its warnings). */
  otherLines(): string[];
  stop(): void;
}

/** Starts capturing stdout (and noting stderr); call `stop` (in a `finally` or `afterEach`). */
export function captureEmf(): EmfCapture {
  const original = process.stdout.write;
  const originalError = process.stderr.write;
  const blobs: EmfBlob[] = [];
  const other: string[] = [];
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    other.push(
      ...String(chunk)
        .split("\n")
        .filter((line) => line.trim() !== ""),
    );
    return (originalError as (...args: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
  }) as typeof process.stderr.write;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString();
    for (const line of text.split("\n").filter((l) => l.trim() !== "")) {
      const blob = parseEmf(line);
      if (blob) blobs.push(blob);
      else other.push(line);
    }
    // Only what is not a metric reaches the real stdout, so the test output stays readable.
    if (!text.startsWith('{"_aws"')) {
      return (original as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    }
    const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  return {
    blobs: () => [...blobs],
    values(metric) {
      return blobs.flatMap((blob) => {
        const directive = blob._aws.CloudWatchMetrics[0];
        const definition = directive?.Metrics.find((m) => m.Name === metric);
        if (!directive || !definition) return [];
        const names = directive.Dimensions[0] ?? [];
        return [
          {
            namespace: directive.Namespace,
            unit: definition.Unit,
            dimensions: Object.fromEntries(names.map((name) => [name, blob[name]])),
            value: blob[metric] as number | number[],
          },
        ];
      });
    },
    otherLines: () => [...other],
    stop() {
      process.stdout.write = original;
      process.stderr.write = originalError;
    },
  };
}

function parseEmf(line: string): EmfBlob | undefined {
  if (!line.startsWith('{"_aws"')) return undefined;
  try {
    return JSON.parse(line) as EmfBlob;
  } catch {
    return undefined;
  }
}

/** The sum of the values of a metric, as CloudWatch's Sum statistic would read them. */
export function sumOf(values: readonly EmfValue[]): number {
  return values.flat().reduce<number>((total, { value }) => {
    return total + (Array.isArray(value) ? value.reduce((a, b) => a + b, 0) : value);
  }, 0);
}
