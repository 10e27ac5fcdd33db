package http

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"net/http/httptrace"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"code.dny.dev/ssrf"

	"github.com/scriptrun/scriptrun/bridge"
)

// Defaults of Options.
const (
	DefaultTimeout           = 10 * time.Second
	DefaultMaxRequests       = 20
	DefaultMaxConcurrent     = 4
	DefaultMaxRedirects      = 5
	DefaultMaxResponseBytes  = 512 << 10
	DefaultMaxHeaderBytes    = 32 << 10
	DefaultMaxRequestBytes   = 1 << 20
	DefaultMaxRequestHeaders = 32
	DefaultMaxAddresses      = 4

	// MaxRedirects is the most redirects a request follows, whatever
	// Options say.
	MaxRedirects = 5
	// maxHeaderValue bounds one request header value.
	maxHeaderValue = 8 << 10
	// chunk is how much of a body is read (and charged) at a time.
	chunk = 32 << 10
)

// PrivateCapability is the further capability a connection to a
// special-purpose address (private, loopback, link-local, ...) needs.
const PrivateCapability = "http.private"

// Resolver looks up the addresses of a host name. *net.Resolver implements
// it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configure Module. The zero value of every field is its default;
// negative values are an error of New.
type Options struct {
	// Timeout bounds one call, redirects and body included (default 10s).
	// The run's remaining time bounds it too: the smaller wins.
	Timeout time.Duration
	// MaxRequests bounds the requests of one run, redirect hops included
	// (default 20).
	MaxRequests int
	// MaxConcurrent bounds the requests of one run in flight at once
	// (default 4).
	MaxConcurrent int
	// MaxRedirects bounds the redirects one call follows (default and at
	// most 5).
	MaxRedirects int
	// MaxResponseBytes bounds a response body (default 512 KiB); the bytes
	// are charged to the run's memory budget as they are read. The result
	// also has to fit the run's value limit (the input budget, 1 MiB).
	MaxResponseBytes int64
	// MaxHeaderBytes bounds the response headers (default 32 KiB).
	MaxHeaderBytes int64
	// MaxRequestBytes bounds a request body (default 1 MiB).
	MaxRequestBytes int64
	// MaxRequestHeaders bounds the headers a script sets (default 32).
	MaxRequestHeaders int
	// MaxAddresses bounds the addresses of one host name tried (default 4).
	MaxAddresses int
	// Resolver resolves host names (default net.DefaultResolver). The
	// address checks are on the connected address, whatever it answers.
	Resolver Resolver
	// TLS is the client TLS configuration (nil: the system roots). It is
	// cloned.
	TLS *tls.Config
}

// New returns the "http" host module: get(url, opts?) and request(req).
// The module may serve any number of runs at once.
func New(o Options) (*bridge.Module, error) {
	for _, f := range []struct {
		name string
		v    int64
	}{{"Timeout", int64(o.Timeout)}, {"MaxRequests", int64(o.MaxRequests)}, {"MaxConcurrent", int64(o.MaxConcurrent)},
		{"MaxRedirects", int64(o.MaxRedirects)}, {"MaxResponseBytes", o.MaxResponseBytes}, {"MaxHeaderBytes", o.MaxHeaderBytes},
		{"MaxRequestBytes", o.MaxRequestBytes}, {"MaxRequestHeaders", int64(o.MaxRequestHeaders)}, {"MaxAddresses", int64(o.MaxAddresses)}} {
		if f.v < 0 {
			return nil, fmt.Errorf("http: Options.%s must not be negative, got %d", f.name, f.v)
		}
	}
	if o.MaxRedirects > MaxRedirects {
		return nil, fmt.Errorf("http: Options.MaxRedirects is %d, at most %d", o.MaxRedirects, MaxRedirects)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	setInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setInt(&o.MaxRequests, DefaultMaxRequests)
	setInt(&o.MaxConcurrent, DefaultMaxConcurrent)
	setInt(&o.MaxRedirects, DefaultMaxRedirects)
	setInt(&o.MaxRequestHeaders, DefaultMaxRequestHeaders)
	setInt(&o.MaxAddresses, DefaultMaxAddresses)
	set64 := func(v *int64, d int64) {
		if *v == 0 {
			*v = d
		}
	}
	set64(&o.MaxResponseBytes, DefaultMaxResponseBytes)
	set64(&o.MaxHeaderBytes, DefaultMaxHeaderBytes)
	set64(&o.MaxRequestBytes, DefaultMaxRequestBytes)
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	c := &client{o: o}
	var tcfg *tls.Config
	if o.TLS != nil {
		tcfg = o.TLS.Clone()
	}
	c.tr = &nethttp.Transport{
		Proxy:       nil, // never a proxy from the environment
		DialContext: c.dial,
		// Every request dials anew, so every connection passes the address
		// check of its own run: a pooled connection would carry one run's
		// decision (or an old DNS answer) into another.
		DisableKeepAlives: true,
		// No transparent gzip: the script gets the bytes the server sent,
		// bounded, and no decompression bomb is inflated here.
		DisableCompression:     true,
		MaxResponseHeaderBytes: o.MaxHeaderBytes,
		TLSClientConfig:        tcfg,
		TLSHandshakeTimeout:    o.Timeout,
		ResponseHeaderTimeout:  o.Timeout,
		ForceAttemptHTTP2:      false,
		TLSNextProto:           map[string]func(string, *tls.Conn) nethttp.RoundTripper{}, // HTTP/1.1 only
	}
	mod := &bridge.Module{Name: "http", Doc: "Outbound HTTP requests, decided by the policy, with an SSRF guard."}
	mod.Funcs = []*bridge.Func{
		{
			Name: "get",
			Params: []bridge.Param{
				{Name: "url", Type: bridge.String, Doc: "http or https URL"},
				// Secret: the headers carry credentials. What the
				// policy sees (PolicyArgs: url, method, header
				// names, body size) stays visible.
				{Name: "opts", Type: bridge.Map, Optional: true, Secret: true, Doc: "{headers, timeout (ms), responseType: \"text\"|\"bytes\"}"},
			},
			Doc: "get(url, opts?) fetches url and returns {status, headers, body, url}.",
			PolicyArgs: func(a bridge.Args) (bridge.Args, error) {
				r, err := c.parse(a, true)
				if err != nil {
					return nil, err
				}
				return r.policyArgs(), nil
			},
			Impl: func(ctx context.Context, a bridge.Args) (any, error) { return c.call(ctx, "http.get", a, true) },
		},
		{
			Name: "request",
			Params: []bridge.Param{
				// Secret as get's opts: headers and body; the
				// PolicyArgs view shows url, method, header names
				// and body size.
				{Name: "req", Type: bridge.Map, Secret: true, Doc: "{method, url, headers, body, timeout (ms), responseType}"},
			},
			Doc: "request({method, url, headers, body}) sends a request and returns {status, headers, body, url}.",
			PolicyArgs: func(a bridge.Args) (bridge.Args, error) {
				r, err := c.parse(a, false)
				if err != nil {
					return nil, err
				}
				return r.policyArgs(), nil
			},
			Impl: func(ctx context.Context, a bridge.Args) (any, error) { return c.call(ctx, "http.request", a, false) },
		},
	}
	return mod, nil
}

type client struct {
	o  Options
	tr *nethttp.Transport
}

// req is a checked request.
type req struct {
	method  string
	t       *target
	header  nethttp.Header
	body    []byte
	timeout time.Duration
	bytes   bool // responseType "bytes"
}

var methods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true}

// forbidden are request headers a script may not set: the transport owns
// them, or they would make the request something the policy did not see.
var forbidden = map[string]bool{
	"host": true, "content-length": true, "transfer-encoding": true, "connection": true, "keep-alive": true,
	"upgrade": true, "te": true, "trailer": true, "proxy-authorization": true, "proxy-connection": true,
	"expect": true,
}

// parse checks the arguments of get (url, opts) or request (req).
func (c *client) parse(a bridge.Args, get bool) (*req, error) {
	var (
		fields map[string]any
		rawURL string
	)
	r := &req{method: "GET"}
	if get {
		rawURL = a.String("url")
		fields, _ = a["opts"].(map[string]any)
		for k := range fields {
			switch k {
			case "headers", "timeout", "responseType":
			default:
				return nil, fmt.Errorf("opts: unknown field %q (want headers, timeout, responseType)", k)
			}
		}
	} else {
		fields, _ = a["req"].(map[string]any)
		for k := range fields {
			switch k {
			case "method", "url", "headers", "body", "timeout", "responseType":
			default:
				return nil, fmt.Errorf("req: unknown field %q (want method, url, headers, body, timeout, responseType)", k)
			}
		}
		u, ok := fields["url"].(string)
		if !ok {
			return nil, errors.New("req.url: want a string")
		}
		rawURL = u
		if m, ok := fields["method"]; ok && m != nil {
			s, ok := m.(string)
			if !ok || !methods[strings.ToUpper(s)] {
				return nil, fmt.Errorf("req.method: want one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got %v", m)
			}
			r.method = strings.ToUpper(s)
		}
		switch b := fields["body"].(type) {
		case nil:
		case string:
			r.body = []byte(b)
		case []byte:
			r.body = b
		default:
			return nil, fmt.Errorf("req.body: want a string or bytes, got %s", bridge.TypeName(b))
		}
		if int64(len(r.body)) > c.o.MaxRequestBytes {
			return nil, fmt.Errorf("req.body is %d bytes, limit %d", len(r.body), c.o.MaxRequestBytes)
		}
	}
	t, err := checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	r.t = t
	r.header = nethttp.Header{}
	switch h := fields["headers"].(type) {
	case nil:
	case map[string]any:
		if len(h) > c.o.MaxRequestHeaders {
			return nil, fmt.Errorf("headers: %d of them, limit %d", len(h), c.o.MaxRequestHeaders)
		}
		for k, v := range h {
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("headers[%q]: want a string, got %s", k, bridge.TypeName(v))
			}
			if !validName(k) {
				return nil, fmt.Errorf("headers: %q is not a valid header name", k)
			}
			if lk := strings.ToLower(k); forbidden[lk] || strings.HasPrefix(lk, "proxy-") {
				return nil, fmt.Errorf("headers: %q may not be set by a script", k)
			}
			if len(s) > maxHeaderValue || !validValue(s) {
				return nil, fmt.Errorf("headers[%q]: value longer than %d bytes or with control characters", k, maxHeaderValue)
			}
			r.header.Set(k, s)
		}
	default:
		return nil, fmt.Errorf("headers: want a map of strings, got %s", bridge.TypeName(h))
	}
	r.timeout = c.o.Timeout
	switch v := fields["timeout"].(type) {
	case nil:
	case int64:
		if v <= 0 {
			return nil, fmt.Errorf("timeout: want milliseconds > 0, got %d", v)
		}
		if d := time.Duration(v) * time.Millisecond; d < r.timeout {
			r.timeout = d
		}
	default:
		return nil, fmt.Errorf("timeout: want whole milliseconds, got %s", bridge.TypeName(v))
	}
	switch v := fields["responseType"]; v {
	case nil, "text":
	case "bytes":
		r.bytes = true
	default:
		return nil, fmt.Errorf(`responseType: want "text" or "bytes", got %v`, v)
	}
	return r, nil
}

// policyArgs is what the policy sees of a request: the URL, the method,
// the header names (lowercase, sorted; never values) and the body size.
func (r *req) policyArgs() bridge.Args {
	return requestArgs(r.t.u.String(), r.method, r.header, int64(len(r.body)))
}

func requestArgs(url, method string, h nethttp.Header, size int64) bridge.Args {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, strings.ToLower(k))
	}
	sort.Strings(names)
	list := make([]any, len(names))
	for i, n := range names {
		list[i] = n
	}
	return bridge.Args{"url": url, "method": method, "headers": list, "bodySize": size}
}

// runState is what one run has of the module: requests made and in flight.
type runState struct {
	mu       sync.Mutex
	requests int
	inflight int
}

type stateKey struct{}

// locked runs f with the run's state under its lock.
func (c *client) locked(run *bridge.Run, f func(*runState)) {
	s := run.State(stateKey{}, func() any { return &runState{} }).(*runState)
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// count counts one request (a call or a redirect hop) of the run.
func (c *client) count(run *bridge.Run) error {
	var err error
	c.locked(run, func(s *runState) {
		if s.requests >= c.o.MaxRequests {
			err = bridge.Message(fmt.Sprintf("more than %d requests in this run", c.o.MaxRequests))
			return
		}
		s.requests++
	})
	return err
}

func (c *client) call(ctx context.Context, capability string, a bridge.Args, get bool) (any, error) {
	run := bridge.RunFrom(ctx)
	if run == nil {
		return nil, errors.New("http: called outside a run")
	}
	r, err := c.parse(a, get)
	if err != nil {
		return nil, bridge.Message(err.Error())
	}
	if err := c.count(run); err != nil {
		return nil, err
	}
	var busy bool
	c.locked(run, func(s *runState) {
		if s.inflight >= c.o.MaxConcurrent {
			busy = true
			return
		}
		s.inflight++
	})
	if busy {
		return nil, bridge.Message(fmt.Sprintf("more than %d requests of this run in flight", c.o.MaxConcurrent))
	}
	defer c.locked(run, func(s *runState) { s.inflight-- })

	// The smaller of the module's (or the script's) timeout and the run's
	// remaining time: ctx ends with the run.
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		run.Annotate(ctx, "address", info.Conn.RemoteAddr().String())
	}})
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	hreq, err := nethttp.NewRequestWithContext(ctx, r.method, r.t.u.String(), body)
	if err != nil {
		return nil, &bridge.HostError{Capability: capability, Msg: "bad request", Err: err}
	}
	hreq.Header = r.header
	hc := &nethttp.Client{Transport: c.tr, CheckRedirect: func(next *nethttp.Request, via []*nethttp.Request) error {
		return c.redirect(run, capability, next, via)
	}}
	resp, err := hc.Do(hreq)
	if err != nil {
		return nil, failure(ctx, capability, err, r.timeout)
	}
	defer resp.Body.Close()
	out, err := c.read(ctx, run, capability, resp, r)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// redirect decides one redirect hop: at most MaxRedirects, an http(s) URL
// without userinfo, one more request of the run, and the policy's decision
// on the same capability with the new URL, method, header names and body
// size.
func (c *client) redirect(run *bridge.Run, capability string, next *nethttp.Request, via []*nethttp.Request) error {
	if len(via) > c.o.MaxRedirects {
		return bridge.Message(fmt.Sprintf("more than %d redirects", c.o.MaxRedirects))
	}
	t, err := checkURL(next.URL.String())
	if err != nil {
		return bridge.Message("redirect to a refused URL: " + err.Error())
	}
	next.URL = t.u
	next.Host = ""
	// Go sends the previous URL as Referer; it may carry tokens in its
	// query to a host the script never named, and it is not the script's.
	next.Header.Del("Referer")
	if err := c.count(run); err != nil {
		return err
	}
	size := next.ContentLength
	if size < 0 {
		size = 0
	}
	return run.Check(next.Context(), capability, requestArgs(t.u.String(), next.Method, next.Header, size))
}

// read reads the response: the body bounded and charged to the run's
// memory as it comes.
func (c *client) read(ctx context.Context, run *bridge.Run, capability string, resp *nethttp.Response, r *req) (any, error) {
	headers := map[string]any{}
	var hsize int64
	for k, vs := range resp.Header {
		v := strings.Join(vs, ", ")
		headers[strings.ToLower(k)] = v
		hsize += int64(len(k) + len(v) + 4)
	}
	if err := run.ChargeMemory(ctx, hsize); err != nil {
		return nil, err
	}
	// Read in chunks, charging each to the run's memory as it arrives;
	// one byte past the bound is enough to know the body is too large.
	var buf bytes.Buffer
	for {
		n, err := io.CopyN(&buf, resp.Body, min(int64(chunk), c.o.MaxResponseBytes+1-int64(buf.Len())))
		if cerr := run.ChargeMemory(ctx, n); cerr != nil {
			return nil, cerr
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, failure(ctx, capability, err, r.timeout)
		}
		if int64(buf.Len()) > c.o.MaxResponseBytes {
			return nil, bridge.Message(fmt.Sprintf("response body over %d bytes", c.o.MaxResponseBytes))
		}
	}
	out := map[string]any{
		"status":  int64(resp.StatusCode),
		"headers": headers,
		"url":     resp.Request.URL.String(),
	}
	if r.bytes {
		out["body"] = buf.Bytes()
	} else {
		out["body"] = buf.String()
	}
	return out, nil
}

// failure turns a transport error into what the script sees: a short
// message, the cause kept for the audit log. A denial or a limit recorded
// by the bridge overrides it anyway.
func failure(ctx context.Context, capability string, err error, timeout time.Duration) error {
	var (
		m   bridge.Message
		dns *net.DNSError
		op  *net.OpError
		cv  *tls.CertificateVerificationError
		rh  tls.RecordHeaderError
	)
	msg := "request failed"
	switch {
	case errors.As(err, &m):
		return m
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		msg = "request timed out after " + timeout.String() + " (or the run's time ran out)"
	case errors.As(err, &dns):
		msg = "could not resolve the host"
	case errors.As(err, &cv), errors.As(err, &rh):
		msg = "TLS handshake failed"
	case errors.As(err, &op) && op.Op == "dial":
		msg = "could not connect"
	}
	return &bridge.HostError{Capability: capability, Msg: msg, Err: err}
}

// dial connects to addr ("host:port") through the address check: a host
// name is resolved here, each address (at most MaxAddresses) is dialed in
// turn, and the check runs on the socket's address just before connect
// (net.Dialer.ControlContext), so what is checked is what is connected to,
// whatever a resolver answers between lookups.
func (c *client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("bad port %q", portStr)
	}
	var ips []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{a}
	} else {
		ips, err = c.o.Resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		if len(ips) == 0 {
			return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
	}
	if len(ips) > c.o.MaxAddresses {
		ips = ips[:c.o.MaxAddresses]
	}
	d := &net.Dialer{ControlContext: func(ctx context.Context, network, address string, _ syscall.RawConn) error {
		return guard(ctx, host, network, address)
	}}
	var first error
	for _, ip := range ips {
		conn, err := d.DialContext(ctx, "tcp", netip.AddrPortFrom(ip.Unmap(), uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		var de *bridge.DeniedError
		if errors.As(err, &de) || ctx.Err() != nil {
			return nil, err
		}
	}
	return nil, first
}

// special is the list of special-purpose addresses the guard refuses
// without an http.private rule: code.dny.dev/ssrf's IANA registries, the
// list the policy's isPrivateIP uses.
var special = ssrf.New(ssrf.WithAnyPort(), ssrf.WithAnyNetwork())

// guard checks the address a socket is about to connect to. A public
// address passes; a special-purpose one is a further use of
// http.private with args {ip, port, host} that the run's policy decides.
func guard(ctx context.Context, host, network, address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("guard: %s: %w", address, err)
	}
	ip := ap.Addr().Unmap().WithZone("")
	if special.SafeAddr(ip) == nil {
		return nil
	}
	run := bridge.RunFrom(ctx)
	if run == nil {
		return fmt.Errorf("guard: %s is a special-purpose address and no run can allow it", ip)
	}
	return run.Check(ctx, PrivateCapability, bridge.Args{"ip": ip.String(), "port": int64(ap.Port()), "host": host})
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
