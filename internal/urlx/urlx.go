// Package urlx is the one URL parser of scriptrun: the policy's url()
// function and the scripts' URL (JS) and std.url.parse (Lua) use it, so a
// script sees a URL the way the rules that decide its requests see it.
//
// It is strict: it refuses anything a browser might read differently from
// Go's net/url (backslashes, control characters, spaces, non-ASCII bytes,
// userinfo, percent-encoded or ambiguous numeric hosts, dot segments,
// ";" in the query), so there is one reading of every URL it accepts.
package urlx

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// MaxLen is the longest string Parse accepts, in bytes.
const MaxLen = 8192

// URL is a parsed URL in canonical form.
type URL struct {
	Scheme string // lower case
	Host   string // lower case, no trailing dot; an IPv6 address without brackets
	// Port is the explicit port, or the scheme's default (0 when it has
	// none). PortGiven says whether the URL named one.
	Port      int64
	PortGiven bool
	Path      string // escaped; "/" when empty for http, https, ws and wss
	RawQuery  string // without the "?"
	Fragment  string // escaped, without the "#"
	// Params are the query's name/value pairs in order, unescaped
	// (application/x-www-form-urlencoded: "+" is a space).
	Params [][2]string
}

// Parse parses s strictly (see the package comment).
func Parse(s string) (*URL, error) {
	if len(s) > MaxLen {
		return nil, fmt.Errorf("url: longer than %d bytes", MaxLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c <= ' ' || c == 0x7f:
			return nil, fmt.Errorf("url: control character or space at offset %d", i)
		case c >= 0x80:
			return nil, fmt.Errorf("url: non-ASCII byte at offset %d", i)
		case c == '\\':
			return nil, fmt.Errorf("url: backslash at offset %d", i)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("url: %v", err)
	}
	switch {
	case u.Scheme == "":
		return nil, errors.New("url: no scheme")
	case u.Opaque != "" || u.Host == "":
		return nil, errors.New("url: no host (want scheme://host/...)")
	case u.User != nil || strings.Contains(u.Host, "@"):
		return nil, errors.New("url: userinfo (user@host) not allowed")
	case strings.Contains(u.Host, "%"):
		return nil, errors.New("url: percent-encoded host not allowed")
	}
	host, err := canonicalHost(u.Hostname(), strings.HasPrefix(u.Host, "["))
	if err != nil {
		return nil, err
	}
	out := &URL{Scheme: u.Scheme, Host: host, RawQuery: u.RawQuery, Fragment: u.EscapedFragment()}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("url: bad port %q", p)
		}
		out.Port, out.PortGiven = int64(n), true
	} else {
		out.Port = DefaultPort(u.Scheme)
	}
	path := u.EscapedPath()
	for _, seg := range strings.Split(path, "/") {
		if isDotSegment(seg) {
			return nil, fmt.Errorf("url: dot segment %q in path", seg)
		}
	}
	if path == "" && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "ws" || u.Scheme == "wss") {
		path = "/"
	}
	out.Path = path
	if out.Params, err = ParseQuery(u.RawQuery); err != nil {
		return nil, fmt.Errorf("url: bad query: %v", err)
	}
	// The canonical form escapes what the input may have left bare (a "#"
	// in the fragment becomes "%23"), so it can be longer than the input:
	// it too must be within MaxLen, or String would give a URL that Parse
	// refuses.
	if n := len(out.Origin()) + len(out.Path) + 1 + len(out.RawQuery) + 1 + len(out.Fragment); n > MaxLen {
		return nil, fmt.Errorf("url: longer than %d bytes once escaped", MaxLen)
	}
	return out, nil
}

// ParseQuery splits a query (without the "?") into its pairs, in order, as
// url.ParseQuery reads them: "&" separates, ";" is refused, "+" is a space,
// a bad percent escape is an error, empty pieces are skipped.
func ParseQuery(q string) ([][2]string, error) {
	var out [][2]string
	for q != "" {
		var piece string
		piece, q, _ = strings.Cut(q, "&")
		if strings.Contains(piece, ";") {
			return nil, errors.New("invalid semicolon separator in query")
		}
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			return nil, err
		}
		v, err = url.QueryUnescape(v)
		if err != nil {
			return nil, err
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

// EncodeQuery is the inverse of ParseQuery (application/x-www-form-urlencoded).
func EncodeQuery(params [][2]string) string {
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p[0]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p[1]))
	}
	return b.String()
}

// Query returns the first value of each name, as the policy's url() shows
// the query.
func (u *URL) Query() map[string]string {
	m := make(map[string]string, len(u.Params))
	for _, p := range u.Params {
		if _, ok := m[p[0]]; !ok {
			m[p[0]] = p[1]
		}
	}
	return m
}

// HostPort is the host as a URL spells it: an IPv6 address in brackets,
// then ":port" when the URL named a port other than the scheme's default.
func (u *URL) HostPort() string {
	h := u.Hostname()
	if p := u.PortString(); p != "" {
		h += ":" + p
	}
	return h
}

// Hostname is Host, an IPv6 address in brackets.
func (u *URL) Hostname() string {
	if strings.Contains(u.Host, ":") {
		return "[" + u.Host + "]"
	}
	return u.Host
}

// PortString is the port when the URL named one other than the scheme's
// default, else "" (the web URL's port).
func (u *URL) PortString() string {
	if d := DefaultPort(u.Scheme); !u.PortGiven || d != 0 && u.Port == d {
		return ""
	}
	return strconv.FormatInt(u.Port, 10)
}

// Origin is scheme://host[:port].
func (u *URL) Origin() string { return u.Scheme + "://" + u.HostPort() }

// String is the canonical form: what was parsed, with the host and scheme
// in lower case, a default port dropped and an empty http path as "/".
func (u *URL) String() string {
	s := u.Origin() + u.Path
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	if u.Fragment != "" {
		s += "#" + u.Fragment
	}
	return s
}

// Resolve parses ref relative to base (which Parse must accept), then
// parses the result strictly.
func Resolve(ref string, base *URL) (*URL, error) {
	if len(ref) > MaxLen {
		return nil, fmt.Errorf("url: longer than %d bytes", MaxLen)
	}
	for i := 0; i < len(ref); i++ {
		if c := ref[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return Parse(ref) // the same message
		}
	}
	b, err := url.Parse(base.String())
	if err != nil {
		return nil, fmt.Errorf("url: %v", err)
	}
	r, err := url.Parse(ref)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("url: %v", err)
	}
	return Parse(b.ResolveReference(r).String())
}

// DefaultPort is the port a scheme implies, 0 when it implies none.
func DefaultPort(scheme string) int64 {
	switch scheme {
	case "http", "ws":
		return 80
	case "https", "wss":
		return 443
	case "ftp":
		return 21
	}
	return 0
}

// isDotSegment reports whether a path segment is "." or ".." in any
// percent-encoded spelling; browsers resolve these, net/url does not.
func isDotSegment(seg string) bool {
	s := strings.ToLower(seg)
	s = strings.ReplaceAll(s, "%2e", ".")
	return s == "." || s == ".."
}

// canonicalHost lowercases a host name, drops one trailing dot and rejects
// anything that is not a plain DNS name or an unambiguous IP address.
func canonicalHost(h string, bracketed bool) (string, error) {
	if bracketed {
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", fmt.Errorf("url: bad IPv6 host %q", h)
		}
		return a.String(), nil
	}
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "" {
		return "", errors.New("url: empty host")
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "", fmt.Errorf("url: bad host %q", h)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("url: bad character %q in host %q", c, h)
			}
		}
	}
	// A browser treats a host whose last label is numeric as an IPv4
	// address, accepting forms like 0x7f.1, 2130706433 or 127.1. Accept only
	// the canonical dotted quad.
	if last := labels[len(labels)-1]; isNumericLabel(last) {
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is4() || a.String() != h {
			return "", fmt.Errorf("url: ambiguous numeric host %q (want a dotted-quad IPv4 address)", h)
		}
	}
	return h, nil
}

func isNumericLabel(l string) bool {
	if strings.HasPrefix(l, "0x") {
		l = l[2:]
		return strings.Trim(l, "0123456789abcdef") == ""
	}
	return strings.Trim(l, "0123456789") == ""
}
