package serve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
)

// tracerName is the instrumentation scope of the service's spans.
const tracerName = "github.com/scriptrun/scriptrun/serve"

// TracerFromEnv returns the tracer provider the standard OTEL_* environment
// variables ask for, and the function that flushes and stops it. Tracing
// is on only when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or OTEL_TRACES_EXPORTER is "otlp", and
// neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none says
// otherwise; then spans go in batches over OTLP/HTTP, configured by the
// exporter's own OTEL_EXPORTER_OTLP_* variables (endpoint, headers,
// timeout, TLS), sampled by OTEL_TRACES_SAMPLER, and described by
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES. Otherwise the provider
// is a no-op that costs next to nothing.
func TracerFromEnv(ctx context.Context) (trace.TracerProvider, func(context.Context) error, error) {
	getenv := os.Getenv
	none := func(context.Context) error { return nil }
	exporter := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER"))
	endpoint := getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	switch {
	case strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true"), exporter == "none":
		return noop.NewTracerProvider(), none, nil
	case exporter == "" && !endpoint:
		return noop.NewTracerProvider(), none, nil
	case exporter != "" && exporter != "otlp":
		return nil, nil, fmt.Errorf("OTEL_TRACES_EXPORTER=%s: only otlp and none are supported", exporter)
	}
	proto := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if proto == "" {
		proto = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if proto != "" && proto != "http/protobuf" {
		return nil, nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%s: only http/protobuf is supported", proto)
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	// resource.Default reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES;
	// without a name there, the service is "scriptrun".
	res := resource.Default()
	if getenv("OTEL_SERVICE_NAME") == "" && !strings.Contains(getenv("OTEL_RESOURCE_ATTRIBUTES"), "service.name=") {
		res, err = resource.Merge(res, resource.NewSchemaless(attribute.String("service.name", "scriptrun")))
		if err != nil {
			return nil, nil, fmt.Errorf("trace resource: %w", err)
		}
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return tp, tp.Shutdown, nil
}

// runTracer is a per-run engine.Observer that makes the run's span (a
// child of the request's) and a span per host call under it. Its methods
// are called in order on the run's goroutine (see engine.Observer), so it
// needs no lock.
type runTracer struct {
	tracer trace.Tracer
	ctx    context.Context // the request's span context
	span   trace.Span      // the run's, from RunStarted
	runCtx context.Context
	start  time.Time // when RunStarted came (the end of the admission wait)
}

var _ engine.Observer = (*runTracer)(nil)

func (t *runTracer) RunStarted(r *engine.RunInfo) {
	t.start = time.Now()
	t.runCtx, t.span = t.tracer.Start(t.ctx, "scriptrun.run", trace.WithTimestamp(r.Start),
		trace.WithAttributes(
			attribute.String("scriptrun.script", r.Script.Name()),
			attribute.String("scriptrun.lang", r.Script.Lang()),
			attribute.String("scriptrun.sha256", r.Script.SHA256()),
			attribute.String("scriptrun.tenant", r.Identity.Tenant),
			attribute.Int64("scriptrun.run_id", int64(r.ID)),
		))
}

func (t *runTracer) HostCall(_ *engine.RunInfo, c *bridge.CallEvent) {
	end := time.Now()
	attrs := []attribute.KeyValue{
		attribute.String("scriptrun.capability", c.Call.Capability),
		attribute.String("scriptrun.decision", c.Outcome),
	}
	if c.Decision.Rule != "" {
		attrs = append(attrs, attribute.String("scriptrun.rule", c.Decision.Rule))
	}
	_, span := t.tracer.Start(t.runCtx, "scriptrun.host_call "+c.Call.Capability,
		trace.WithTimestamp(end.Add(-c.Duration)), trace.WithAttributes(attrs...))
	if c.Err != nil {
		span.SetStatus(codes.Error, c.Outcome)
	}
	span.End(trace.WithTimestamp(end))
}

func (t *runTracer) RunFinished(_ *engine.RunInfo, res *engine.Result, err error) {
	u := res.Usage
	t.span.SetAttributes(
		attribute.Int64("scriptrun.steps", u.Steps),
		attribute.Int64("scriptrun.cpu_ms", u.CPUMs),
		attribute.Int64("scriptrun.memory_bytes", u.MemoryBytes),
		attribute.Int64("scriptrun.host_calls", u.HostCalls),
	)
	if err != nil {
		var e *engine.Error
		kind := string(engine.KindInternal)
		if errors.As(err, &e) {
			kind = string(e.Kind)
			if e.Limit != "" {
				t.span.SetAttributes(attribute.String("scriptrun.limit", e.Limit))
			}
		}
		t.span.SetAttributes(attribute.String("scriptrun.outcome", kind))
		t.span.SetStatus(codes.Error, kind)
	} else {
		t.span.SetAttributes(attribute.String("scriptrun.outcome", "ok"))
	}
	t.span.End()
}
