package http

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// maxURLLen is the longest URL accepted, as the policy's url() accepts.
const maxURLLen = 8192

// target is a checked URL: what the request will use.
type target struct {
	u    *url.URL
	host string // canonical: lowercase name, dotted-quad IPv4 or IPv6 without brackets
	port uint16
}

// checkURL parses s with the rules of the policy's url() (policy/funcs.go),
// so that a rule's view of a URL is the one the request uses: printable
// ASCII only, no backslash, http or https, a host, no userinfo, no
// percent-encoded or ambiguous numeric host, no dot segments. The module
// keeps its own copy because bridge may not import policy; a test checks
// that every URL accepted here parses to the same scheme, host and port
// there.
func checkURL(s string) (*target, error) {
	if len(s) > maxURLLen {
		return nil, fmt.Errorf("url longer than %d bytes", maxURLLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c <= ' ' || c == 0x7f:
			return nil, fmt.Errorf("url has a control character or space at offset %d", i)
		case c >= 0x80:
			return nil, fmt.Errorf("url has a non-ASCII byte at offset %d", i)
		case c == '\\':
			return nil, fmt.Errorf("url has a backslash at offset %d", i)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("bad url: %v", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("url scheme %q: only http and https", u.Scheme)
	case u.Opaque != "" || u.Host == "":
		return nil, errors.New("url has no host (want http(s)://host/...)")
	case u.User != nil || strings.Contains(u.Host, "@"):
		return nil, errors.New("url has userinfo (user@host): not allowed")
	case strings.Contains(u.Host, "%"):
		return nil, errors.New("url has a percent-encoded host: not allowed")
	}
	host, err := canonicalHost(u.Hostname(), strings.HasPrefix(u.Host, "["))
	if err != nil {
		return nil, err
	}
	port := uint16(80)
	if u.Scheme == "https" {
		port = 443
	}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("url has a bad port %q", p)
		}
		port = uint16(n)
	} else if strings.HasSuffix(u.Host, ":") {
		return nil, errors.New("url has an empty port")
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if isDotSegment(seg) {
			return nil, fmt.Errorf("url has a dot segment %q in its path", seg)
		}
	}
	if _, err := url.ParseQuery(u.RawQuery); err != nil {
		return nil, fmt.Errorf("url has a bad query: %v", err)
	}
	u.Fragment, u.RawFragment = "", ""
	// The request goes to the host as the policy's url() reads it.
	hp := host
	if strings.Contains(host, ":") {
		hp = "[" + host + "]"
	}
	if u.Port() != "" {
		hp += ":" + u.Port()
	}
	u.Host = hp
	return &target{u: u, host: host, port: port}, nil
}

func isDotSegment(seg string) bool {
	s := strings.ReplaceAll(strings.ToLower(seg), "%2e", ".")
	return s == "." || s == ".."
}

// canonicalHost is policy's: a lowercase DNS name without a trailing dot,
// a dotted-quad IPv4 address, or a bracketed IPv6 address without zone.
func canonicalHost(h string, bracketed bool) (string, error) {
	if bracketed {
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", fmt.Errorf("url has a bad IPv6 host %q", h)
		}
		return a.String(), nil
	}
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "" {
		return "", errors.New("url has an empty host")
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "", fmt.Errorf("url has a bad host %q", h)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("url has a bad character %q in host %q", c, h)
			}
		}
	}
	if last := labels[len(labels)-1]; isNumericLabel(last) {
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is4() || a.String() != h {
			return "", fmt.Errorf("url has an ambiguous numeric host %q (want a dotted-quad IPv4 address)", h)
		}
	}
	return h, nil
}

func isNumericLabel(l string) bool {
	if strings.HasPrefix(l, "0x") {
		return strings.Trim(l[2:], "0123456789abcdef") == ""
	}
	return strings.Trim(l, "0123456789") == ""
}
