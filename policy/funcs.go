package policy

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"code.dny.dev/ssrf"
)

// maxURLLen is the longest string url() accepts.
const maxURLLen = 8192

// URL is the result of parsing with url(); exposed to CEL as a map.
type parsedURL struct {
	Scheme string
	Host   string
	Port   int64
	Path   string
	Query  map[string]string
}

func (u *parsedURL) toMap() map[string]any {
	return map[string]any{
		"scheme": u.Scheme,
		"host":   u.Host,
		"port":   u.Port,
		"path":   u.Path,
		"query":  u.Query,
	}
}

// parseURL parses s strictly: it rejects anything a browser might read
// differently from Go's net/url, so that a rule's view of a URL is the one the
// request will use.
func parseURL(s string) (*parsedURL, error) {
	if len(s) > maxURLLen {
		return nil, fmt.Errorf("url: longer than %d bytes", maxURLLen)
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
	var port int64
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("url: bad port %q", p)
		}
		port = int64(n)
	} else {
		port = defaultPort(u.Scheme)
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
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("url: bad query: %v", err)
	}
	query := make(map[string]string, len(q))
	for k, v := range q {
		if len(v) > 0 {
			query[k] = v[0]
		}
	}
	return &parsedURL{Scheme: u.Scheme, Host: host, Port: port, Path: path, Query: query}, nil
}

func defaultPort(scheme string) int64 {
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

// parseIP parses an IPv4 or IPv6 address without zone; leading zeros in IPv4
// parts are rejected.
func parseIP(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("ip: %q is not an IP address", s)
	}
	if a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("ip: zone not allowed in %q", s)
	}
	return a, nil
}

func inCIDR(ip, cidr string) (bool, error) {
	a, err := parseIP(ip)
	if err != nil {
		return false, err
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return false, fmt.Errorf("inCIDR: bad CIDR %q", cidr)
	}
	if p.Addr().Zone() != "" {
		return false, fmt.Errorf("inCIDR: zone not allowed in %q", cidr)
	}
	if p.Addr().Is4() {
		a = a.Unmap()
	}
	return p.Masked().Contains(a), nil
}

// special is the list of special-purpose addresses isPrivateIP refuses: the
// IANA IPv4 and IPv6 special-purpose registries as code.dny.dev/ssrf keeps
// them (all of IPv6 outside 2000::/3, and 6to4, documentation and protocol
// ranges inside it). bridge/http's dialer refuses the same list, so a rule
// written with isPrivateIP and the connection check agree.
var special = ssrf.New(ssrf.WithAnyPort(), ssrf.WithAnyNetwork())

func isPrivateIP(s string) (bool, error) {
	a, err := parseIP(s)
	if err != nil {
		return false, err
	}
	return isPrivateAddr(a), nil
}

// isPrivateAddr reports whether a is a special-purpose address. An
// IPv4-mapped IPv6 address is judged as the IPv4 address it maps.
func isPrivateAddr(a netip.Addr) bool {
	return special.SafeAddr(a.Unmap()) != nil
}
