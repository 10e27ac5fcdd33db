package serve_test

import (
	"regexp"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/scriptrun/scriptrun/serve"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	f.run(`{"script": "hello.js", "tenant": "acme", "input": {"name": "a"}}`)
	f.run(`{"script": "hello.js", "tenant": "tenant-with-a-secret-name", "input": {"name": "a"}}`)
	f.run(`{"script": "loop.js", "tenant": "acme"}`)
	f.run(`{"script": "nope.js", "tenant": "acme"}`)
	m := f.do("GET", "/metrics", "").raw
	for _, want := range []string{
		`scriptrun_runs_total{lang="js",outcome="ok"} 1`,
		`scriptrun_runs_total{lang="js",outcome="denied"} 1`,
		`scriptrun_runs_total{lang="js",outcome="limit"} 1`,
		`scriptrun_limits_exceeded_total{limit="steps"} 1`,
		`scriptrun_host_calls_total{capability="kv.incr",decision="allow"} 1`,
		`scriptrun_host_calls_total{capability="kv.incr",decision="deny"} 1`,
		`scriptrun_denials_total{rule="none"} 1`,
		`scriptrun_run_duration_seconds_count{lang="js"} 3`,
		`scriptrun_run_cpu_seconds_count{lang="js"} 3`,
		`scriptrun_run_steps_count{lang="js"} 3`,
		`scriptrun_http_requests_total{code="200",handler="run"} 3`,
		`scriptrun_http_requests_total{code="404",handler="run"} 1`,
		`scriptrun_admission_wait_seconds_count 3`,
		`scriptrun_admission_running 0`,
		`scriptrun_workers 0`,
		`scriptrun_scripts 4`,
		`scriptrun_policies 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// No tenant, script or request-chosen value becomes a label.
	for _, leak := range []string{"acme", "tenant-with-a-secret-name", "hello.js", "loop.js", "nope.js"} {
		if strings.Contains(m, leak) {
			t.Errorf("metrics name %q", leak)
		}
	}
	// Every label value is from a bounded set.
	labels := regexp.MustCompile(`(\w+)="([^"]*)"`)
	allowed := map[string]*regexp.Regexp{
		"lang":       regexp.MustCompile(`^(js|lua|other)$`),
		"outcome":    regexp.MustCompile(`^(ok|compile|runtime|limit|denied|host|input|output|internal|other)$`),
		"limit":      regexp.MustCompile(`^\w+$`),
		"capability": regexp.MustCompile(`^(kv\.\w+|gate\.wait|other)$`),
		"decision":   regexp.MustCompile(`^(allow|deny|audit-deny|error|other)$`),
		"rule":       regexp.MustCompile(`^(none|acme-all|other)$`),
		"handler":    regexp.MustCompile(`^(run|status|reload|actions|lift|healthz|readyz|other)$`),
		"action":     regexp.MustCompile(`^(warn|tighten|revoke|quarantine|other)$`),
		"event":      regexp.MustCompile(`^(taken|lifted|expired|dropped|other)$`),
		"mode":       regexp.MustCompile(`^(enforce|audit)$`),
		"code":       regexp.MustCompile(`^\d{3}$`),
		"kind":       regexp.MustCompile(`^(script|policy|directory)$`),
	}
	for _, line := range strings.Split(m, "\n") {
		if !strings.HasPrefix(line, "scriptrun_") {
			continue
		}
		for _, l := range labels.FindAllStringSubmatch(line, -1) {
			if l[1] == "le" {
				continue
			}
			re := allowed[l[1]]
			if re == nil || !re.MatchString(l[2]) {
				t.Errorf("unexpected label %s=%q in %s", l[1], l[2], line)
			}
		}
	}
}

func TestTracing(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	f := start(t, func(c *serve.Config) { c.TracerProvider = tp })
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	a := f.run(`{"script": "hello.js", "tenant": "acme", "input": {"name": "a"}}`,
		"traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	if a.code != 200 {
		t.Fatalf("run: %d %s", a.code, a.raw)
	}
	spans := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		spans[s.Name()] = s
	}
	req, run, call := spans["POST /v1/run"], spans["scriptrun.run"], spans["scriptrun.host_call kv.incr"]
	if req == nil || run == nil || call == nil {
		t.Fatalf("spans: %v, want the request's, the run's and the host call's", keys(spans))
	}
	if got := req.SpanContext().TraceID().String(); got != traceID {
		t.Errorf("trace id %s, want the traceparent's %s", got, traceID)
	}
	if got := req.Parent().SpanID().String(); got != "00f067aa0ba902b7" {
		t.Errorf("request span's parent %s, want the traceparent's span", got)
	}
	if run.Parent().SpanID() != req.SpanContext().SpanID() {
		t.Errorf("the run span is not the request span's child")
	}
	if call.Parent().SpanID() != run.SpanContext().SpanID() {
		t.Errorf("the host call span is not the run span's child")
	}
	attrs := func(s sdktrace.ReadOnlySpan) map[attribute.Key]string {
		m := map[attribute.Key]string{}
		for _, kv := range s.Attributes() {
			m[kv.Key] = kv.Value.String()
		}
		return m
	}
	if ra := attrs(run); ra["scriptrun.tenant"] != "acme" || ra["scriptrun.script"] != "hello.js" || ra["scriptrun.outcome"] != "ok" {
		t.Errorf("run span attributes: %v", ra)
	}
	if ca := attrs(call); ca["scriptrun.capability"] != "kv.incr" || ca["scriptrun.decision"] != "allow" || ca["scriptrun.rule"] != "acme-all" {
		t.Errorf("host call span attributes: %v", ca)
	}
	if call.StartTime().Before(run.StartTime()) || call.EndTime().After(run.EndTime()) {
		t.Errorf("host call span [%v, %v] is not within the run's [%v, %v]", call.StartTime(), call.EndTime(), run.StartTime(), run.EndTime())
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestTracerFromEnv(t *testing.T) {
	// Not parallel: it sets the process environment.
	for _, tt := range []struct {
		env     map[string]string
		enabled bool
		err     bool
	}{
		{map[string]string{}, false, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}, true, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:1/v1/traces"}, true, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_SDK_DISABLED": "true"}, false, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_TRACES_EXPORTER": "none"}, false, false},
		{map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, false, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, false, true},
	} {
		for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED",
			"OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"} {
			t.Setenv(k, tt.env[k])
		}
		tp, stop, err := serve.TracerFromEnv(t.Context())
		if (err != nil) != tt.err {
			t.Errorf("%v: error %v, want error %v", tt.env, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		_, sdk := tp.(*sdktrace.TracerProvider)
		if sdk != tt.enabled {
			t.Errorf("%v: SDK provider %v, want %v", tt.env, sdk, tt.enabled)
		}
		if err := stop(t.Context()); err != nil {
			t.Errorf("%v: stop: %v", tt.env, err)
		}
	}
}
