import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
  type OpenTelemetryWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { InjectedSinks } from '@temporalio/worker';

export interface Tracing {
  /** False: spans go nowhere (no OTLP endpoint configured). */
  enabled: boolean;
  tracer: Tracer;
  /** For the workflow span sink: spans created inside the workflow sandbox end here. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  shutdown(): Promise<void>;
}

let registered = false;

/**
 * OpenTelemetry for one process: a tracer provider registered globally (Node context
 * manager and W3C propagation, which the Temporal interceptors use to carry the trace
 * through workflow and activity headers), exporting over OTLP/HTTP to `otlpEndpoint`, or
 * to `exporter` (tests). With neither, tracing is off and costs nothing but no-op calls.
 */
export function createTracing(options: {
  serviceName: string;
  otlpEndpoint?: string;
  exporter?: SpanExporter;
}): Tracing {
  const resource = new Resource({ [ATTR_SERVICE_NAME]: options.serviceName });
  const spanProcessor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : options.otlpEndpoint
      ? new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.otlpEndpoint}/v1/traces` }))
      : undefined;
  if (!spanProcessor) {
    return {
      enabled: false,
      tracer: trace.getTracer('migrate-identity'),
      spanProcessor: new NoopSpanProcessor(),
      resource,
      shutdown: () => Promise.resolve(),
    };
  }
  if (registered) throw new Error('tracing is already set up in this process');
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  registered = true;
  return {
    enabled: true,
    tracer: provider.getTracer('migrate-identity'),
    spanProcessor,
    resource,
    shutdown: () => provider.shutdown(),
  };
}

/** Starting a workflow (and signals, queries, updates) carries the caller's trace into it. */
export function tracingClientInterceptors(): { workflow: WorkflowClientInterceptor[] } {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

/**
 * The sink the workflow interceptors export their spans through. The workflow bundle always
 * contains those interceptors, so every worker registers it, traced or not.
 */
export function workflowSpanSinks(
  tracing: Pick<Tracing, 'spanProcessor' | 'resource'> = {
    spanProcessor: new NoopSpanProcessor(),
    resource: Resource.empty(),
  },
): InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }> {
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}
