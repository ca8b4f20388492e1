/** Types for the Prometheus text parser used by the tests (the package ships none). */
declare module 'parse-prometheus-text-format' {
  interface ParsedSeries {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  interface ParsedFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: ParsedSeries[];
  }
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
